// Screenshots of the main views for the README, as a newcomer (1440×900) and a speaker (talk mode on a
// 1024×768 projector) see them:
//   npx tsx tests/e2e/screenshots.ts     → tests/e2e/screenshots/<view>.png       1440×900, the whole page
//                                          tests/e2e/screenshots/<view>-talk.png  1024×768 talk mode, the screen
//                                          chart-fullscreen-talk.png, shortcuts-talk.png, no-webgpu.png
// Builds the app, serves it, drives the system Chromium: opens the Steer view on the shipped checkpoint
// (WebGPU, with the backend switch's measured speeds), computes a dose-response and captures it, switches
// to the backend the header suggests (the CPU one on a software adapter), trains a short GRPO run and a
// VSPO run, then captures the other views in both modes, a chart in full screen, the shortcut list, and
// the page shown without WebGPU.
// Env: E2E_SKIP_BUILD=1 reuses the last build; SHOT_STEPS (default 30) sets the run length; SHOT_DIR writes
//   the images there instead of tests/e2e/screenshots (the README-commands test does);
//   SHOT_BACKEND=webgpu trains on WebGPU even when the header suggests the CPU backend.
//   SHOT_ONLY=compare   only the Compare view at 1440×900 (3 seeds of VSPO and GRPO, plus a run of another
//                       config that is not pooled) → $SHOT_OUT (default <tmp>/vspo-shots/compare-1440x900.png)
//   SHOT_ONLY=teacher   only the Compare view's teacher grid (issue 17), on the CPU backend: VSPO and distill with
//                       teacher accuracies 1, 0.7 × styles own, foreign, 2 seeds, SHOT_STEPS steps (default here 6) →
//                       tests/e2e/screenshots/compare-teacher-running.png (the launcher mid-grid, 1440 wide), compare-teacher.png
//                       (1440×900, the whole page) and, in talk mode (1024×768), compare-teacher-talk.png (the top),
//                       compare-teacher-chart-talk.png (the bands) and compare-teacher-table-talk.png (the pooled table)
//   SHOT_ONLY=lab       only the lab (issue 13), on the CPU backend → tests/e2e/screenshots/guide.png (the
//                       first-visit guide), pretrain.png (a small model pretrained in the page, SHOT_PRETRAIN_STEPS
//                       steps, default 1500), vectors.png (a vector extracted from the shipped verbosity model, its
//                       dose-response against a same-norm random vector), pretrain-talk.png and vectors-talk.png
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildApp, launchChromium, ROOT, serve } from './harness';

const OUT = process.env.SHOT_DIR ?? join(ROOT, 'tests/e2e/screenshots');
const STEPS = Number(process.env.SHOT_STEPS ?? 30);
const TRAIN = `t.steps=${STEPS}&t.evalEvery=5&t.evalSamples=64&t.batchPrompts=8&t.groupSize=8&t.saveEvery=10&t.evalAlignment=true`;
const NORMAL = { width: 1440, height: 900 };
const TALK = { width: 1024, height: 768 };

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

/** The first-visit guide (shot on its own in SHOT_ONLY=lab) is put away for the views' shots. */
async function hideGuide(page: Page) {
  const b = page.getByTestId('guide-hide');
  if (await b.count()) await b.click();
}

async function dismissNotices(page: Page) {
  for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
}

/** Normal mode: the whole page at 1440 wide. Talk mode: what the projector shows (1024×768, top of the page). */
async function shoot(page: Page, name: string, talk: boolean) {
  await dismissNotices(page);
  await page.mouse.move(2, 2);
  const file = join(OUT, `${name}${talk ? '-talk' : ''}.png`);
  await page.screenshot({ path: file, fullPage: !talk });
  console.log(`wrote ${file}`);
}

async function setTalk(page: Page, talk: boolean) {
  await page.setViewportSize(talk ? TALK : NORMAL);
  const on = await page.evaluate(() => document.documentElement.classList.contains('talk'));
  if (on !== talk) await page.keyboard.press('t');
  await waitIdle(page, 900);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const dist = await buildApp();
  const server = await serve(dist);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: NORMAL, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.error(`[browser ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(`${server.url}#view=steer&behavior=verbosity&alpha=3&seed=1&prompts=6&sweepSamples=16&${TRAIN}`);
    await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    await hideGuide(page);
    await page.locator('[data-testid=response]').first().waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid=samples][aria-busy=true]'), null, { timeout: 180_000 });
    // The backend switch measures both backends once the app is idle.
    await page.waitForFunction(() => /tok\/s|n\/a/.test(document.querySelector('[data-testid=backend-cpu]')?.textContent ?? ''), null, { timeout: 180_000 }).catch(() => undefined);
    await page.keyboard.press('d');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=dose-response]')?.getAttribute('data-points')) > 0, null, { timeout: 15 * 60_000 });

    // The Steer view on the shipped (untrained) weights, in both modes.
    await shoot(page, 'steer', false);
    await setTalk(page, true);
    await shoot(page, 'steer', true);
    // The dose-response chart in full screen, as on a projector.
    await page.getByTestId('dose-response').getByRole('button', { name: /^Full screen/ }).click();
    await waitIdle(page, 1200);
    await page.screenshot({ path: join(OUT, 'chart-fullscreen-talk.png') });
    console.log(`wrote ${join(OUT, 'chart-fullscreen-talk.png')}`);
    await page.keyboard.press('Escape');
    await page.evaluate(() => (document.fullscreenElement ? document.exitFullscreen() : undefined));
    await page.keyboard.press('?');
    await waitIdle(page, 400);
    await page.screenshot({ path: join(OUT, 'shortcuts-talk.png') });
    console.log(`wrote ${join(OUT, 'shortcuts-talk.png')}`);
    await page.keyboard.press('Escape');
    await setTalk(page, false);

    // Train on the backend the header suggests (the CPU one when the WebGPU adapter is a CPU emulator).
    const hint = page.getByTestId('backend-hint');
    if (process.env.SHOT_BACKEND !== 'webgpu' && (await hint.count())) {
      await page.getByTestId('backend-cpu').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=backend-cpu]')?.getAttribute('aria-pressed') === 'true', null, { timeout: 180_000 });
      await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    }
    await page.keyboard.press('2');
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor({ timeout: 5000 });
    for (const [m, s] of [['grpo', 0], ['vspo', 0]] as const) await runTo(page, m, s);

    const shots: [string, string][] = [
      ['2', 'train'],
      ['3', 'compare'],
      ['4', 'checkpoints'],
      ['5', 'bandit'],
    ];
    for (const talk of [false, true]) {
      await setTalk(page, talk);
      for (const [key, name] of shots) {
        await page.keyboard.press(key);
        await page.evaluate(() => window.scrollTo(0, 0));
        await waitIdle(page, name === 'bandit' ? 3000 : 900);
        await shoot(page, name, talk);
      }
    }
    // The Train view's central chart in full screen (F), as on a projector.
    await page.keyboard.press('2');
    await waitIdle(page, 500);
    await page.keyboard.press('f');
    await waitIdle(page, 1200);
    await page.mouse.move(2, 2);
    await page.screenshot({ path: join(OUT, 'train-chart-fullscreen-talk.png') });
    console.log(`wrote ${join(OUT, 'train-chart-fullscreen-talk.png')}`);
    await page.keyboard.press('Escape');

    // The page shown without WebGPU.
    const plain = await browser.newContext({ viewport: NORMAL });
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
    await hideGuide(page);
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

/** The Compare view's teacher grid: launched from the view, shot mid-grid and when done, in both modes. */
async function teacherOnly() {
  mkdirSync(OUT, { recursive: true });
  const dist = await buildApp();
  const server = await serve(dist);
  const browser = await launchChromium();
  const steps = Number(process.env.SHOT_STEPS ?? 6);
  try {
    const context = await browser.newContext({ viewport: NORMAL, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    const cfg = `backend=cpu&behavior=verbosity&t.steps=${steps}&t.evalEvery=2&t.evalSamples=32&t.batchPrompts=4&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.beta=0`;
    await page.goto(`${server.url}#view=train&${cfg}`);
    await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    await hideGuide(page);
    await page.keyboard.press('3');
    const launcher = page.getByRole('region', { name: 'Run a comparison' });
    await launcher.getByRole('checkbox', { name: 'grpo', exact: true }).uncheck();
    await launcher.getByRole('checkbox', { name: 'distill', exact: true }).check();
    await launcher.getByRole('combobox', { name: 'seeds' }).selectOption('2');
    await launcher.getByRole('textbox', { name: 'Teacher accuracies' }).fill('1, 0.7');
    await launcher.getByRole('checkbox', { name: 'Teacher style foreign' }).check();
    await launcher.getByRole('button', { name: 'Run 10 runs' }).click();
    // Mid-grid: the progress of the whole grid.
    await page.waitForFunction(() => /^Run [3-9] of 10/.test(document.querySelector('[data-testid=grid-progress]')?.textContent ?? ''), null, { timeout: 30 * 60_000 });
    await waitIdle(page, 700);
    await dismissNotices(page);
    await launcher.screenshot({ path: join(OUT, 'compare-teacher-running.png') });
    console.log(`wrote ${join(OUT, 'compare-teacher-running.png')}`);
    await page.waitForFunction(() => /^Comparison (done|stopped)|^Queue cancelled/.test(document.querySelector('[data-testid=grid-progress]')?.textContent ?? ''), null, { timeout: 60 * 60_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitIdle(page, 1200);
    await shoot(page, 'compare-teacher', false);
    await setTalk(page, true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitIdle(page, 900);
    await shoot(page, 'compare-teacher', true);
    // What a speaker shows: the bands of the pooled groups, one per teacher cell, and the pooled table.
    await page.evaluate(() => document.querySelector('.compare-view .grid2')?.scrollIntoView({ block: 'start' }));
    await waitIdle(page, 900);
    await shoot(page, 'compare-teacher-chart', true);
    await page.evaluate(() => document.getElementById('summary-title')?.scrollIntoView({ block: 'start' }));
    await waitIdle(page, 600);
    await shoot(page, 'compare-teacher-table', true);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The lab alone: the guide, the Pretrain view after a short pretraining, the Vectors view with a measured dose-response. */
async function labOnly() {
  mkdirSync(OUT, { recursive: true });
  const dist = await buildApp();
  const server = await serve(dist);
  const browser = await launchChromium();
  const steps = Number(process.env.SHOT_PRETRAIN_STEPS ?? 1500);
  try {
    const context = await browser.newContext({ viewport: NORMAL, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(`${server.url}#view=steer&backend=cpu&behavior=verbosity&prompts=4`);
    await page.getByTestId('model-info').waitFor({ timeout: 180_000 });
    await page.locator('[data-testid=response]').first().waitFor({ timeout: 180_000 });
    await page.getByTestId('guide').waitFor();
    await waitIdle(page, 800);
    await dismissNotices(page);
    await page.mouse.move(2, 2);
    await page.screenshot({ path: join(OUT, 'guide.png') });
    console.log(`wrote ${join(OUT, 'guide.png')}`);
    await page.getByTestId('guide-hide').click();

    // Pretrain a small model in the page.
    await page.keyboard.press('6');
    for (const [id, v] of [
      ['#pt-dModel', '32'],
      ['#pt-nLayers', '2'],
      ['#pt-nHeads', '4'],
      ['#pt-seed', '1'],
      ['#pt-steps', String(steps)],
      ['#pt-batch', '64'],
      ['#pt-lr', '0.003'],
      ['#pt-evalEvery', String(Math.max(1, Math.round(steps / 6)))],
    ] as const)
      await page.fill(id, v);
    await page.getByRole('button', { name: 'Start pretraining' }).click();
    await page.waitForFunction(() => /^(Finished|Stopped|Failed)/.test(document.querySelector('[data-testid=pretrain-status]')?.textContent ?? ''), null, { timeout: 60 * 60_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitIdle(page, 900);
    await shoot(page, 'pretrain', false);

    // A vector for the shipped verbosity model, against a random vector of the same norm.
    await page.keyboard.press('7');
    await page.evaluate(() => {
      const h = new URLSearchParams(location.hash.slice(1));
      h.set('checkpoint', 'shipped:verbosity');
      location.hash = h.toString();
    });
    await page.waitForFunction(() => /shipped verbosity\.safetensors/.test(document.querySelector('[data-testid=model-info]')?.textContent ?? ''), null, { timeout: 180_000 });
    await page.getByLabel('Extraction mode').selectOption('unembed');
    await page.getByLabel('Layer').selectOption('1');
    await page.getByRole('button', { name: 'Extract vector' }).click();
    await page.getByTestId('vector-report').waitFor({ timeout: 10 * 60_000 });
    await page.getByLabel('Prompts per intensity').selectOption(process.env.SHOT_LAB_SAMPLES ?? '128');
    await page.getByTestId('lab-dose-response').getByRole('button', { name: 'Compute dose-response' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=lab-dose-response]')?.getAttribute('data-points')) > 0, null, { timeout: 60 * 60_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await waitIdle(page, 900);
    await shoot(page, 'vectors', false);

    // Talk mode on a 1024×768 projector: the Vectors view scrolled to its chart, and the Pretrain view.
    await setTalk(page, true);
    await page.getByTestId('lab-dose-response').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('[data-testid=lab-dose-response]')?.scrollIntoView({ block: 'start' }));
    await waitIdle(page, 600);
    await shoot(page, 'vectors', true);
    await page.keyboard.press('6');
    await waitIdle(page, 600);
    await page.evaluate(() => document.querySelector('[data-testid=pretrain-loss-chart]')?.scrollIntoView({ block: 'start' }));
    await waitIdle(page, 900);
    await shoot(page, 'pretrain', true);
  } finally {
    await browser.close();
    await server.close();
  }
}

const ONLY: Record<string, () => Promise<void>> = { compare: compareOnly, lab: labOnly, teacher: teacherOnly };
(ONLY[process.env.SHOT_ONLY ?? ''] ?? main)().catch((e) => {
  console.error(e);
  process.exit(1);
});
