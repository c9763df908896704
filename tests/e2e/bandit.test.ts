// The Bandit page against the built app in the system Chromium: open view 5, run a small sweep and get
// points for both methods on the iterations-to-τ curve while the page keeps answering; the alignment
// figures and the two per-arm runs follow the sliders; an invalid grid is refused inline; a long sweep
// is cancellable mid-way, and the sliders still move while it runs.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './harness';

const base = inject('baseURL');
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(base);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const curve = () => page.getByTestId('bandit-curve-data');

/** Moves a range input with the keyboard, as a person would: Home, then ArrowRight `steps` times. */
async function slide(name: string, steps: number) {
  const s = page.getByRole('slider', { name });
  await s.focus();
  await s.press('Home');
  for (let i = 0; i < steps; i++) await s.press('ArrowRight');
}

/** Starts sampling the main thread: the longest gap between 20 ms timer ticks, and long tasks. */
async function startProbe() {
  await page.evaluate(() => {
    const w = window as unknown as { __probe: { maxGap: number; longest: number; sawProgress: boolean; stop(): void } };
    let last = performance.now();
    const probe = { maxGap: 0, longest: 0, sawProgress: false, stop: () => undefined as void };
    const id = setInterval(() => {
      const now = performance.now();
      probe.maxGap = Math.max(probe.maxGap, now - last);
      last = now;
      if (document.querySelector('[role=progressbar][aria-label="Sweep progress"]')) probe.sawProgress = true;
    }, 20);
    let obs: PerformanceObserver | null = null;
    try {
      obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) probe.longest = Math.max(probe.longest, e.duration);
      });
      obs.observe({ type: 'longtask', buffered: false });
    } catch {
      /* no long-task timing: the timer gap still tells */
    }
    probe.stop = () => {
      clearInterval(id);
      obs?.disconnect();
    };
    w.__probe = probe;
  });
}

async function stopProbe(): Promise<{ maxGap: number; longest: number; sawProgress: boolean }> {
  return page.evaluate(() => {
    const p = (window as unknown as { __probe: { maxGap: number; longest: number; sawProgress: boolean; stop(): void } }).__probe;
    p.stop();
    return { maxGap: p.maxGap, longest: p.longest, sawProgress: p.sawProgress };
  });
}

describe('Bandit lab page (built app, Chromium)', () => {
  it('opens as view 5 with the alignment figures and one VSPO and one GRPO run drawn', async () => {
    await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: 120_000 });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('5');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/view=bandit/);
    await page.getByRole('heading', { name: /Bandit lab/ }).waitFor();
    for (const name of ['Alignment x', 'Base rate (log scale)', 'Group size G', 'Seeds', 'Sweep points']) expect(await page.getByRole('slider', { name }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Intensity grid' }).inputValue()).toBe('0, 1, 2, 4');
    // Aligned steering at the defaults: the figures are numbers, and the target mass under steering is well above the base rate.
    const mass = Number(await page.getByTestId('bandit-target-mass').textContent());
    expect(mass).toBeGreaterThan(0.1);
    expect(Number(await page.getByTestId('bandit-tv').textContent())).toBeGreaterThanOrEqual(0);
    for (const m of ['vspo', 'grpo'])
      await expect.poll(() => page.getByTestId(`bandit-trace-${m}`).getAttribute('data-points'), { timeout: 60_000 }).toMatch(/^[1-9]\d*$/);
    // Moving alignment to −1 changes the figures (the target mass under steering collapses).
    await slide('Alignment x', 0);
    await expect.poll(() => page.getByTestId('bandit-alignment-value').textContent()).toBe('-1.00');
    await expect.poll(async () => Number(await page.getByTestId('bandit-target-mass').textContent())).toBeLessThan(mass);
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/b\.alignment=-1(&|$)/);
    await slide('Alignment x', 40);
    await expect.poll(() => page.getByTestId('bandit-alignment-value').textContent()).toBe('1.00');
  });

  it('a link carries the bandit settings (b.* in the URL hash)', async () => {
    const other = await context.newPage();
    await other.goto(`${base}#view=bandit&b.alignment=0.35&b.group=16&b.grid=0,2,4,8`);
    await other.getByRole('heading', { name: /Bandit lab/ }).waitFor({ timeout: 120_000 });
    await expect.poll(() => other.getByTestId('bandit-alignment-value').textContent()).toBe('0.35');
    expect(await other.getByRole('textbox', { name: 'Intensity grid' }).inputValue()).toBe('0,2,4,8');
    expect(await other.getByRole('slider', { name: 'Group size G' }).inputValue()).toBe('16');
    await other.close();
  });

  it('refuses an invalid grid inline and disables the sweep until it is fixed', async () => {
    const grid = page.getByRole('textbox', { name: 'Intensity grid' });
    await grid.fill('0, 1, x');
    await expect.poll(() => page.locator('#bandit-grid-err').textContent()).toMatch(/Intensity grid: “x” is not a number/);
    expect(await grid.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Run sweep' }).isDisabled()).toBe(true);
    // Group smaller than the grid: named next to the grid field.
    await grid.fill('0, 1, 2, 4, 6, 8, 10, 12, 14');
    await expect.poll(() => page.locator('#bandit-grid-err').textContent()).toMatch(/group \(8\) must be at least the grid size \(9\)/);
    await grid.fill('0, 1, 2, 4');
    await expect.poll(() => page.locator('#bandit-grid-err').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Run sweep' }).isDisabled()).toBe(false);
  });

  it('a small sweep draws both methods on the curve and the page keeps answering', async () => {
    await slide('Seeds', 2); // 3 seeds
    await slide('Sweep points', 1); // 5 alignments: −1, −0.5, 0, 0.5, 1
    await expect.poll(() => page.getByTestId('bandit-seeds-value').textContent()).toBe('3');
    await expect.poll(() => page.getByTestId('bandit-points-value').textContent()).toBe('5');
    await startProbe();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect.poll(() => curve().getAttribute('data-status'), { timeout: 120_000, interval: 200 }).toBe('done');
    const took = Date.now() - t0;
    const probe = await stopProbe();
    expect(await curve().getAttribute('data-vspo-points')).toBe('5');
    expect(await curve().getAttribute('data-grpo-points')).toBe('5');
    // Drawn, not just counted: a marker per point on each method's line.
    for (const m of ['vspo', 'grpo']) expect(await page.locator(`[data-testid=bandit-curve] svg .bandit-dot[data-method=${m}]`).count()).toBe(5);
    // At x = −1 and x = 0 VSPO runs hit the cap: marked.
    expect(Number(await curve().getAttribute('data-censored-points'))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=bandit-curve] svg .bandit-dot.censored[data-method=vspo]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('bandit-sweep-status').textContent()).toMatch(/Sweep done: 5 alignments × 3 seeds/);
    expect(await page.getByTestId('bandit-crossover').textContent()).toMatch(/Crossover at x ≈ -?\d\.\d\d|No crossover/);
    // The simulator ran in a worker: the main thread never stalled (lenient: two shared cores).
    console.log(`bandit sweep: ${took} ms; longest main-thread gap ${probe.maxGap.toFixed(0)} ms, longest task ${probe.longest.toFixed(0)} ms`);
    expect(probe.maxGap).toBeLessThan(1000);
    expect(probe.longest).toBeLessThan(1000);
    expect(errors).toEqual([]);
  });

  it('a long sweep can be cancelled, and the sliders move while it runs', async () => {
    await page.getByLabel('Iteration cap').selectOption('200000');
    await slide('Group size G', 30); // G = 32: every censored run is 200 000 updates of 32 samples
    await page.getByRole('button', { name: 'Run sweep again' }).click();
    const bar = page.getByRole('progressbar', { name: 'Sweep progress' });
    await bar.waitFor({ timeout: 30_000 });
    await expect.poll(() => curve().getAttribute('data-status')).toBe('running');
    // Mid-sweep: a slider answers long before the sweep ends (it runs in its own worker). The bound is
    // loose on purpose: this shared 2-core machine can stall any page for a second.
    const alignment = page.getByRole('slider', { name: 'Alignment x' });
    await alignment.focus();
    const before = await page.getByTestId('bandit-alignment-value').textContent();
    const t0 = Date.now();
    await alignment.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('bandit-alignment-value').textContent(), { timeout: 5000, interval: 50 }).not.toBe(before);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await curve().getAttribute('data-status')).toBe('running');
    await page.getByRole('button', { name: 'Cancel sweep' }).click();
    await expect.poll(() => curve().getAttribute('data-status')).toBe('cancelled');
    expect(await bar.count()).toBe(0);
    expect(await page.getByTestId('bandit-sweep-status').textContent()).toMatch(/Sweep cancelled after \d+ of 5 alignments/);
    // Cancelled before or after its first alignment: either way the page can run again.
    expect(await page.getByRole('button', { name: /^Run sweep/ }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
  });
});
