// Runs whose tab closed (issue 14, item 7): on the next load they are marked interrupted, with an honest
// word on whether they can be resumed (from the last auto-save, or not: no auto-save yet); auto-saves
// are listed under their run, not among the saved checkpoints or in the checkpoint picker; a manual save
// records the model's step; the interrupted run resumes and finishes. While its tab is open, another tab
// neither offers to resume it nor to delete it, and its own tab does not offer to delete it.
import { describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './shared-browser';

const base = inject('baseURL');
const browser = sharedBrowser();

const MODEL_TIMEOUT = 180_000;
const RUN_TIMEOUT = 10 * 60_000;
// Enough steps that a run is still going when its tab closes (on the WASM CPU kernels a 10-step run could finish first).
const CFG = 'backend=cpu&behavior=verbosity&t.method=vspo&t.steps=60&t.evalEvery=0&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.beta=0';

async function page(context: BrowserContext, hash: string): Promise<Page> {
  const p = await context.newPage();
  await p.goto(base + hash);
  await p.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
  return p;
}

/** Starts a run and closes its tab once it has taken `steps` steps (and `whileLive` has looked at it from another tab). */
async function startAndClose(context: BrowserContext, hash: string, steps: number, whileLive?: (other: Page) => Promise<void>) {
  const other = whileLive ? await page(context, `#view=train&${CFG}`) : null; // open first: the run may be short
  const p = await page(context, hash);
  await p.getByRole('button', { name: 'Start', exact: true }).click();
  await expect
    .poll(async () => Number((await p.getByTestId('progress-step').textContent().catch(() => ''))?.match(/Step (\d+)/)?.[1] ?? 0), { timeout: RUN_TIMEOUT, interval: 100 })
    .toBeGreaterThanOrEqual(steps);
  if (other) {
    await whileLive!(other);
    await notDeletableHere(p);
  }
  await p.close();
}

/** The tab training the run: its own Checkpoints view does not offer to delete it either (the worker records every step into it). */
async function notDeletableHere(p: Page) {
  await p.keyboard.press('4');
  const row = p.getByTestId('run-row');
  await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
  expect(await row.getByTestId('run-status-cell').textContent()).not.toMatch(/finished|interrupted/);
  const del = row.getByRole('button', { name: 'Delete', exact: true });
  expect(await del.isDisabled()).toBe(true);
  expect(await del.getAttribute('title')).toMatch(/^This run is training in this tab: stop it there first/);
}

/** Another tab's Checkpoints view while the run trains: live elsewhere, so neither resumable nor deletable there. */
async function seenLiveFromAnotherTab(q: Page) {
  await q.keyboard.press('4');
  const row = q.getByTestId('run-row');
  await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
  await expect.poll(() => row.getByTestId('resumability').textContent()).toBe('live in another tab or window of this browser: pause or stop it there');
  expect(await row.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(0);
  expect(await row.getByRole('button', { name: 'Delete', exact: true }).isDisabled()).toBe(true);
  await q.close();
}

describe('runs whose tab closed', () => {
  it('are marked interrupted on the next load, resumable from their auto-save or honestly not', async () => {
    const context = await browser().newContext({ viewport: { width: 1440, height: 900 } });
    // The first run auto-saves every 2 steps; the second never does.
    await startAndClose(context, `#view=train&${CFG}&t.saveEvery=2`, 3, seenLiveFromAnotherTab);
    await startAndClose(context, `#view=train&${CFG}&t.saveEvery=0`, 1);

    const p = await page(context, `#view=checkpoints&${CFG}`);
    const rows = p.getByTestId('run-row');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    const first = rows.filter({ has: p.getByRole('button', { name: 'Rename run VSPO seed 0', exact: true }) });
    const second = rows.filter({ has: p.getByRole('button', { name: 'Rename run VSPO seed 0 (2)', exact: true }) });
    await expect.poll(() => first.getByTestId('run-status-cell').textContent()).toMatch(/^interrupted — the tab closed/);
    const saveStep = Number((await first.getByTestId('resumability').textContent())?.match(/^resumable from the auto-save at step (\d+)/)?.[1]);
    expect(saveStep).toBeGreaterThanOrEqual(2); // an auto-save before the run's end (60 steps)
    expect(saveStep).toBeLessThan(60);
    expect(await first.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(1);
    expect(await first.getByRole('button', { name: /^Load auto-save \(step \d+\)$/ }).count()).toBe(1);
    expect(await second.getByTestId('run-status-cell').textContent()).toMatch(/^interrupted/);
    expect(await second.getByTestId('resumability').textContent()).toMatch(/cannot be resumed: auto-saves were off/);
    expect(await second.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(0);

    // Auto-saves and run starts are not listed as saved checkpoints; a manual save shows its step.
    expect(await p.getByTestId('checkpoint-row').count()).toBe(0);
    await p.getByRole('textbox', { name: 'New checkpoint name' }).fill('manual');
    await p.getByRole('button', { name: 'Save checkpoint' }).click();
    const saved = p.getByTestId('checkpoint-row');
    await expect.poll(() => saved.count(), { timeout: 60_000 }).toBe(1);
    const modelStep = (await p.getByTestId('model-info').textContent())!.match(/step (\d+)/)![1];
    expect(await saved.locator('td.num').first().textContent()).toBe(modelStep);

    // The picker offers the saved checkpoint, not the runs' auto-saves or starts.
    await p.keyboard.press('1');
    const options = await p.getByRole('combobox', { name: 'Checkpoint' }).locator('option').allTextContents();
    expect(options.some((o) => /^manual \(manual, step \d+\)$/.test(o))).toBe(true);
    expect(options.filter((o) => /auto-?save|run-start|— start/.test(o))).toEqual([]);

    // Resume continues the interrupted run from its auto-save to the end.
    await p.keyboard.press('4');
    await first.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => p.evaluate(() => location.hash)).toMatch(/view=train/);
    await expect.poll(() => p.getByTestId('run-status').textContent(), { timeout: RUN_TIMEOUT, interval: 500 }).toMatch(/^VSPO seed 0: finished/);
    await p.reload();
    await p.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
    await p.keyboard.press('4');
    await expect.poll(() => first.getByTestId('run-status-cell').textContent(), { timeout: 60_000 }).toMatch(/^finished/);
    await expect.poll(() => second.getByTestId('run-status-cell').textContent()).toMatch(/^interrupted/);
    await context.close();
  });
});
