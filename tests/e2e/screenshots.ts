// Screenshots of the main views, normal and talk mode, for the README:
//   npx tsx tests/e2e/screenshots.ts            → tests/e2e/screenshots/<view>[-talk].png
// Builds the app, serves it, drives the system Chromium: opens the Steer view on the shipped checkpoint,
// computes a dose-response and captures it, trains a short GRPO run and a VSPO run, then captures the
// other views in both modes, a chart in full screen, and the page shown without WebGPU.
// Env: E2E_SKIP_BUILD=1 reuses the last build; SHOT_STEPS (default 20) sets the run length.
//   SHOT_ONLY=compare   only the Compare view at 1440×900 (3 seeds of VSPO and GRPO, plus a run of another
//                       config that is not pooled) → $SHOT_OUT (default <tmp>/vspo-shots/compare-1440x900.png)
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildApp, launchChromium, ROOT, serve } from './harness';

const OUT = join(ROOT, 'tests/e2e/screenshots');
const STEPS = Number(process.env.SHOT_STEPS ?? 20);
const TRAIN = `t.steps=${STEPS}&t.evalEvery=5&t.evalSamples=64&t.batchPrompts=8&t.groupSize=8&t.saveEvery=0`;

async function waitIdle(page: Page, ms = 600) {
  await page.waitForTimeout(ms);
}

async function runTo(page: Page, method: string, seed: number) {
  await page.evaluate(([m, s]) => {
    const h = new URLSearchParams(location.hash.slice(1));
    h.set('t.method', m as string);
    h.set('t.seed', String(s));
    location.hash = h.toString();
  }, [method, seed] as const);
  await waitIdle(page, 400);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const label = `${method.toUpperCase()} seed ${seed}: `;
  await page.waitForFunction(
    (l) => new RegExp(`^${l}(finished|stopped|halted|failed)`).test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''),
    label,
    { timeout: 20 * 60_000 },
  );
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const dist = await buildApp();
  const server = await serve(dist);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.error(`[browser ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(`${server.url}#view=steer&behavior=verbosity&alpha=4&seed=1&prompts=6&sweepSamples=16&${TRAIN}`);
    await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    await page.locator('[data-testid=response]').first().waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid=samples][aria-busy=true]'), null, { timeout: 180_000 });
    await page.keyboard.press('d');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=dose-response]')?.getAttribute('data-points')) > 0, null, { timeout: 15 * 60_000 });

    // The Steer view on the shipped (untrained) weights, in both modes.
    const shoot = async (name: string, talk: boolean) => {
      for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
      const file = join(OUT, `${name}${talk ? '-talk' : ''}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
    };
    await shoot('steer', false);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.keyboard.press('t');
    await waitIdle(page, 900);
    await shoot('steer', true);
    await page.keyboard.press('t');
    await page.setViewportSize({ width: 1600, height: 1000 });
    await waitIdle(page, 500);

    await page.keyboard.press('2');
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor({ timeout: 5000 }).catch(async () => {
      console.error('(the 2 key did not switch views; hash is ' + (await page.evaluate(() => location.hash)) + ')');
      await page.screenshot({ path: '/tmp/shot-debug.png' });
      throw new Error('view switch failed');
    });
    for (const [m, s] of [['grpo', 0], ['vspo', 0]] as const) await runTo(page, m, s);

    const shots: [string, string][] = [
      ['2', 'train'],
      ['3', 'compare'],
      ['4', 'checkpoints'],
      ['5', 'bandit'],
    ];
    for (const talk of [false, true]) {
      if (talk) {
        await page.setViewportSize({ width: 1920, height: 1080 });
        await page.keyboard.press('t');
      }
      for (const [key, name] of shots) {
        await page.keyboard.press(key);
        await waitIdle(page, name === 'bandit' ? 3000 : 900);
        await shoot(name, talk);
      }
    }
    // A chart in full screen (F), as on a projector.
    await page.keyboard.press('2');
    await waitIdle(page, 500);
    await page.keyboard.press('f');
    await waitIdle(page, 1200);
    await page.screenshot({ path: join(OUT, 'chart-fullscreen-talk.png') });
    console.log(`wrote ${join(OUT, 'chart-fullscreen-talk.png')}`);
    await page.keyboard.press('Escape');

    // The page shown without WebGPU.
    const plain = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const p2 = await plain.newPage();
    // A browser without WebGPU (a string, so no bundler helpers leak into the page).
    await p2.addInitScript({ content: 'delete Navigator.prototype.gpu;' });
    await p2.goto(server.url);
    await p2.getByRole('heading', { name: /WebGPU is not available/ }).waitFor({ timeout: 60_000 });
    await p2.screenshot({ path: join(OUT, 'no-webgpu.png'), fullPage: true });
    console.log(`wrote ${join(OUT, 'no-webgpu.png')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The Compare view alone: pooled groups, bands, and the "Not pooled" table. */
async function compareOnly() {
  const file = process.env.SHOT_OUT ?? join(tmpdir(), 'vspo-shots', 'compare-1440x900.png');
  mkdirSync(dirname(file), { recursive: true });
  const dist = await buildApp();
  const server = await serve(dist);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    const cfg = `t.steps=${Math.min(STEPS, 8)}&t.evalEvery=2&t.evalSamples=32&t.batchPrompts=4&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.beta=0`;
    await page.goto(`${server.url}#view=steer&behavior=verbosity&${cfg}`);
    await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('button', { name: 'Run 6 runs' }).click();
    await page.getByText(/^6 runs of verbosity on this page: 2 pooled groups/).waitFor({ timeout: 30 * 60_000 });
    // One more run of another config (lr), which is listed apart.
    await page.evaluate(() => {
      const h = new URLSearchParams(location.hash.slice(1));
      h.set('t.lr', '0.0001');
      h.set('view', 'train');
      location.hash = h.toString();
    });
    await waitIdle(page, 400);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForFunction(() => /: (finished|stopped|halted|failed)/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''), null, { timeout: 10 * 60_000 });
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Compare' }).click();
    await waitIdle(page, 1200);
    for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${file}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

(process.env.SHOT_ONLY === 'compare' ? compareOnly() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
