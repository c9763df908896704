// The Compare view's teacher grid (issue 17): pick teacher accuracies and styles, launch the grid once,
// watch its progress, and read both teacher cells, each pooled over its seeds and labelled by its teacher.
// Methods without a teacher would run once per seed, not once per cell (the button's count says so).
import { describe, expect, inject, it } from 'vitest';
import { sharedBrowser } from './shared-browser';

const base = inject('baseURL');
const browser = sharedBrowser();

const MODEL_TIMEOUT = 180_000;
const GRID_TIMEOUT = 12 * 60_000;
// A tiny budget: one step, evaluated at 0 and 1 on 8 prompts, so four distill runs take seconds each.
const CFG = 'backend=cpu&behavior=verbosity&t.steps=1&t.evalEvery=1&t.evalSamples=8&t.batchPrompts=2&t.groupSize=4&t.saveEvery=0&t.beta=0';

describe('Compare: the teacher grid', () => {
  it(
    'two teacher cells × 2 seeds run as one launch and come back as two pooled groups named by their teacher',
    async () => {
      const context = await browser().newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}#view=train&${CFG}`);
      await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Compare' }).click();
      const launcher = page.getByRole('region', { name: 'Run a comparison' });
      const accuracies = launcher.getByRole('textbox', { name: 'Teacher accuracies' });

      // No teacher method ticked: the teacher grid is off.
      expect(await accuracies.isDisabled()).toBe(true);
      await launcher.getByRole('checkbox', { name: 'vspo', exact: true }).uncheck();
      await launcher.getByRole('checkbox', { name: 'distill', exact: true }).check();
      await launcher.getByRole('combobox', { name: 'seeds' }).selectOption('2');
      // The trainer form's teacher (accuracy 1, own) is the starting cell.
      expect(await accuracies.inputValue()).toBe('1');
      expect(await launcher.getByRole('checkbox', { name: 'Teacher style own' }).isChecked()).toBe(true);
      await accuracies.fill('0.7');
      await launcher.getByRole('checkbox', { name: 'Teacher style foreign' }).check();
      // grpo runs once per seed, distill once per teacher cell per seed: 2 × (1 + 2).
      await launcher.getByRole('button', { name: 'Run 6 runs' }).waitFor();
      // A value out of range is refused by the config validator, naming the run, and nothing can start.
      await accuracies.fill('0.7, 2');
      expect(await launcher.getByRole('alert').textContent()).toBe('DISTILL · teacher 2 own: teacherAccuracy must be 0 ≤ a ≤ 1 (1 = always right) (got 2)');
      expect(await launcher.getByRole('button', { name: /^Run \d+ runs?$/ }).isDisabled()).toBe(true);
      await accuracies.fill('0.7');
      await launcher.getByRole('checkbox', { name: 'grpo', exact: true }).uncheck();
      await launcher.getByRole('button', { name: 'Run 4 runs' }).click();

      // Progress for the whole grid, then its end.
      await launcher.getByRole('progressbar', { name: 'Comparison progress' }).waitFor({ timeout: 60_000 });
      expect(await launcher.getByRole('progressbar', { name: 'Comparison progress' }).getAttribute('aria-valuemax')).toBe('4');
      await expect.poll(() => launcher.getByTestId('grid-progress').textContent(), { timeout: GRID_TIMEOUT, interval: 1000 }).toMatch(/^Comparison (done|stopped)/);
      expect(await launcher.getByTestId('grid-progress').textContent()).toBe('Comparison done: all 4 runs finished.');

      // The results: one pooled group per teacher cell, labelled by the teacher, seeds 0 and 1 each.
      const rows = page.getByTestId('compare-summary').getByTestId('pooled-row');
      await expect.poll(() => rows.count()).toBe(2);
      const heads = await rows.locator('th').allTextContents();
      expect(heads[0]).toMatch(/^DISTILL · teacher 0\.7 own/);
      expect(heads[1]).toMatch(/^DISTILL · teacher 0\.7 foreign/);
      expect(await rows.nth(0).locator('td').first().textContent()).toMatch(/^2seeds 0, 1/);
      expect(await rows.nth(1).locator('td').first().textContent()).toMatch(/^2seeds 0, 1/);
      // The bands' legend names them too.
      for (const label of ['DISTILL · teacher 0.7 own: mean of 2 seeds', 'DISTILL · teacher 0.7 foreign: mean of 2 seeds'])
        expect(await page.getByRole('button', { name: new RegExp(`^${label.replace(/[.]/g, '\\.')}`) }).count()).toBeGreaterThan(0);
      expect(await page.getByTestId('compare-apart').count()).toBe(0);
      await context.close();
    },
    GRID_TIMEOUT + 4 * 60_000,
  );
});
