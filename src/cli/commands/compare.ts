// vspo compare --checkpoint PATH --behavior B --methods vspo,grpo,distill,guide --seeds 3 --steps N
//              [--seed-base 0] [--backend cpu|webgpu] [--config FILE.json] [--threshold 0.5] [--steps-json] --json
//              [--teacher-accuracy 1,0.9,0.7] [--teacher-style own,foreign]
// The teacher grid applies to the methods that train on teacher traces (distill, guide): each gets one
// row per (accuracy, style), labelled `distill[acc 0.7, foreign]`; vspo and grpo run once.
// The grid of runs (every method × seed, same budget, same seeds, each from the checkpoint's weights) and
// the one summary of src/rl/summary.ts: steps until the smoothed unsteered behavior score reaches the
// threshold (median over seeds, reached k of n), behavior AUC over the budget, final accuracy and
// behavior (mean ± std and a 95% bootstrap interval), and what one step of each method costs. Halted
// runs are listed and left out of the pooled summary. Evaluations use config.evalSplit (default test).
// With --json: one line per finished run and a final summary line; the table also goes to stderr.
import { isTeacherStyle, TEACHER_STYLES, type TeacherStyle } from '../../data/types';
import { MAX_SEED, METHODS, methodUsesTeacher, type Method, type RlConfig } from '../../rl/config';
import { formatComparison, summarizeMethod, summarizeRun, type MethodSummary, type RunSummary } from '../../rl/summary';
import { CliError, type Args } from '../args';
import { parseBackend } from '../backend';
import { parseBehavior, progress, readForBehavior, withModel, writeLine } from '../common';
import { parseThreshold, rawConfigFromArgs, resolveConfig, runOnce, steeringFor, stepLine } from './train';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const methods = args.str('methods', 'vspo,grpo,distill,guide').split(',').map((s) => s.trim());
  if (methods.length === 0 || methods.some((m) => !(METHODS as readonly string[]).includes(m)))
    throw new CliError(`--methods must be a comma-separated list of: ${METHODS.join(', ')} (got "${args.str('methods')}")`);
  if (new Set(methods).size !== methods.length) throw new CliError('--methods lists a method twice');
  const seeds = args.int('seeds', 3);
  if (seeds < 1 || seeds > 100) throw new CliError(`--seeds must be in 1…100 (got ${seeds})`);
  const seedBase = args.int('seed-base', 0);
  if (seedBase < 0) throw new CliError('--seed-base must be ≥ 0');
  const lastSeed = seedBase + seeds - 1;
  if (lastSeed > MAX_SEED) throw new CliError(`--seed-base ${seedBase} with --seeds ${seeds} reaches seed ${lastSeed}; seeds must be integers in [0, ${MAX_SEED}]`);
  const threshold = parseThreshold(args);
  const backend = parseBackend(args);
  const json = args.bool('json');
  const stepLines = args.bool('steps-json');
  const teachers = teacherGrid(args);
  // One variant per method, or per (method, teacher) for the methods that use a teacher.
  const variants = methods.flatMap((m) =>
    methodUsesTeacher(m as Method) && teachers.length > 1
      ? teachers.map((t) => ({ method: m as Method, teacher: t, inGrid: true }))
      : [{ method: m as Method, teacher: teachers.length === 1 && methodUsesTeacher(m as Method) ? teachers[0] : {}, inGrid: false }],
  );
  // Every variant's config, validated once with the vector's recommended grid / dose filled in for what
  // the user left unset (the summary shows the config used), before any model is built.
  const read = await readForBehavior(args, behavior);
  const resolved = variants.map((v) => resolveConfig(args, { ...rawConfigFromArgs(args, { method: v.method, seed: seedBase }), ...v.teacher }, read.checkpoint, behavior));
  // Labelled from the resolved teacher: a setting the grid leaves unset shows the value the run uses.
  const labels = variants.map((v, i) => (v.inGrid ? `${v.method}[acc ${resolved[i].teacherAccuracy}, ${resolved[i].teacherStyle}]` : v.method));
  const configs = Object.fromEntries(labels.map((l, i) => [l, resolved[i]])) as Record<string, RlConfig>;
  const loaded = await withModel(args, read);
  const steering = await steeringFor(args, loaded, behavior, methods as Method[]);
  loaded.model.dispose();
  const budget = configs[labels[0]].steps;

  const perMethod: Record<string, RunSummary[]> = Object.fromEntries(labels.map((m) => [m, []]));
  const t0 = performance.now();
  for (let s = 0; s < seeds; s++) {
    for (const method of labels) {
      const seed = seedBase + s;
      const config = { ...configs[method], seed };
      progress(`compare ${behavior}: ${method} seed ${seed} (${config.steps} steps)`);
      const { history, model } = await runOnce({
        loaded,
        behavior,
        config,
        steering,
        backend,
        onMetrics: (m) => {
          if (stepLines) void writeLine(JSON.stringify({ type: 'step', seed, ...m }));
          if (m.eval) progress(`  ${method} seed ${seed}: ${stepLine(m)}`);
        },
      });
      model.dispose();
      const summary = summarizeRun(history, config.steps, threshold);
      perMethod[method].push(summary);
      if (json) await writeLine(JSON.stringify({ type: 'run', behavior, method, seed, ...summary }));
    }
  }
  // Only complete runs are pooled as seeds; a halted run is reported apart, never silently shortened.
  const halted = labels.flatMap((m) => perMethod[m].map((r, i) => ({ method: m, seed: seedBase + i, run: r })).filter((x) => !x.run.complete));
  const pooled = labels.filter((m) => perMethod[m].some((r) => r.complete));
  const table: Record<string, MethodSummary> = Object.fromEntries(pooled.map((m) => [m, summarizeMethod(perMethod[m].filter((r) => r.complete))]));
  const lines = [formatComparison(table, { threshold }), ...halted.map((h) => `not pooled: ${h.method} seed ${h.seed} stopped at step ${h.run.steps}/${h.run.budget}${h.run.halted ? ` (${h.run.halted})` : ''}`)];
  const text = lines.join('\n');
  progress(text);
  const out = {
    type: 'summary',
    behavior,
    methods,
    seeds: Array.from({ length: seeds }, (_, i) => seedBase + i),
    steps: budget,
    threshold,
    backend,
    evalMode: 'unsteered; steps to threshold (smoothed over 3 evaluations) and AUC use the sampled (T = 1) behavior score',
    evalSplit: configs[labels[0]].evalSplit,
    teachers: Object.fromEntries(labels.filter((l) => methodUsesTeacher(configs[l].method)).map((l) => [l, { accuracy: configs[l].teacherAccuracy, style: configs[l].teacherStyle, noise: configs[l].teacherNoise }])),
    results: table,
    notPooled: halted.map((h) => ({ method: h.method, seed: h.seed, steps: h.run.steps, halted: h.run.halted })),
    wallTimeSeconds: (performance.now() - t0) / 1000,
    configs,
  };
  await writeLine(json ? JSON.stringify(out) : text);
}

/** --teacher-accuracy and --teacher-style as a grid of teacher settings (one entry when neither is given). */
function teacherGrid(args: Args): { teacherAccuracy?: number; teacherStyle?: TeacherStyle }[] {
  const accuracies: (number | undefined)[] = args.has('teacher-accuracy') ? args.list('teacher-accuracy') : [undefined];
  for (const a of accuracies) if (a !== undefined && !(a >= 0 && a <= 1)) throw new CliError(`--teacher-accuracy values must be in [0, 1] (got ${a})`);
  const styles: (string | undefined)[] = args.has('teacher-style') ? args.str('teacher-style').split(',').map((x) => x.trim()) : [undefined];
  for (const st of styles) if (st !== undefined && !isTeacherStyle(st)) throw new CliError(`--teacher-style values must be ${TEACHER_STYLES.join(' or ')} (got "${st}")`);
  // A repeated value would run each seed twice into one row (its label), doubling n.
  const twiceA = accuracies.find((a, i) => accuracies.indexOf(a) !== i);
  if (twiceA !== undefined) throw new CliError(`--teacher-accuracy lists ${twiceA} twice`);
  const twiceS = styles.find((st, i) => styles.indexOf(st) !== i);
  if (twiceS !== undefined) throw new CliError(`--teacher-style lists ${twiceS} twice`);
  return accuracies.flatMap((a) => styles.map((st) => ({ ...(a !== undefined ? { teacherAccuracy: a } : {}), ...(st !== undefined ? { teacherStyle: st as TeacherStyle } : {}) })));
}
