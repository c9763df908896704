// vspo train --checkpoint PATH --behavior B --method M --seed S [--steps N] [--backend cpu|webgpu]
//            [--config FILE.json|'{"k":v}'] [--out PATH] [--mode M --layer L --window W] [--threshold 0.5] --json
// Without --steps (or `steps` in --config) the run uses the budget the checkpoint's steering vector
// documents (its metadata `steps` / `lr`, via withVectorDefaults), as `compare` does; else the default.
// One training run on the shared harness (src/rl/loop.ts). With --json: one JSON line per step (step 0 is
// the evaluation before training) and a final summary line; progress goes to stderr. --out receives the
// trained checkpoint (also auto-saved there every `saveEvery` steps). A non-finite loss stops the run,
// keeps the last good weights in --out and exits with one line.
import { readFileSync } from 'node:fs';
import type { Behavior } from '../../data/types';
import { isSavePoint, trainedMetadata } from '../../rl/checkpointing';
import type { LanguageModel } from '../../model/types';
import { modelBufferSizes } from '../../model/gpu-layout';
import type { GPTConfig } from '../../model/config';
import { methodUsesSteering, needsReference, validateRlConfig, withVectorDefaults, type RlConfig, type ValidationContext } from '../../rl/config';
import { createTrainer, runTrainer, type StepMetrics } from '../../rl/loop';
import { summarizeRun } from '../../rl/summary';
import type { SteeringVector } from '../../steering/types';
import { encodeCheckpoint, type Checkpoint, type DecodedCheckpoint } from '../../store/checkpoint';
import { CliError, type Args } from '../args';
import { createModel, parseBackend } from '../backend';
import { parseBehavior, progress, readForBehavior, steeringVectorFor, withModel, writeJson, writeLine, writeOut, type Loaded } from '../common';

/**
 * --config (a JSON file, or the JSON object itself when the value starts with `{`), then the flags on
 * top (unvalidated).
 */
export function rawConfigFromArgs(args: Args, extra: Partial<RlConfig> = {}): Partial<RlConfig> {
  let file: Record<string, unknown> = {};
  if (args.has('config')) {
    const value = args.str('config');
    const inline = value.trimStart().startsWith('{');
    const label = inline ? '--config' : `--config ${value}`;
    let text = value;
    if (!inline) {
      try {
        text = readFileSync(value, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read --config ${value}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
    }
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new CliError(`${label} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new CliError(`${label} must hold a JSON object of trainer settings`);
  }
  const flags: Partial<RlConfig> = { ...extra };
  if (args.has('method')) flags.method = args.str('method') as RlConfig['method'];
  if (args.has('steps')) flags.steps = args.int('steps');
  if (args.has('seed')) flags.seed = args.int('seed');
  return { ...(file as Partial<RlConfig>), ...flags };
}

/** Validates (with the model's limits when given); any problem, or a validator that throws, is one CliError line. */
export function validOrThrow(partial: Partial<RlConfig>, ctx: ValidationContext = {}): RlConfig {
  let v;
  try {
    v = validateRlConfig(partial, ctx);
  } catch (e) {
    throw new CliError(`invalid config: ${(e as Error).message}`);
  }
  if (v.error) throw new CliError(`invalid config: ${v.error.message}`);
  return v.config;
}

/**
 * `--threshold τ` of steps to threshold: a behavior score lies in [0, 1], so τ > 1 is never reached (and
 * its standard error is NaN) and τ ≤ 0 is "reached" at step 0.
 */
export function parseThreshold(args: Args): number {
  const t = args.num('threshold', 0.5);
  if (!(t > 0 && t <= 1)) throw new CliError(`--threshold must be in (0, 1] (got ${t})`);
  return t;
}

/**
 * The config a run uses, validated once: the raw settings, then the vector's recommended grid / dose /
 * budget for what is unset (withVectorDefaults), then this model's limits. It needs only the read
 * checkpoint, so a bad config is refused before any model is built. The defaults come from the stored
 * vector; one extracted afresh (--mode, see steeringVectorFor) documents none.
 */
export function resolveConfig(args: Args, raw: Partial<RlConfig>, checkpoint: DecodedCheckpoint, behavior: Behavior): RlConfig {
  return validOrThrow(withVectorDefaults(raw, vectorDefaultsMeta(args, checkpoint, behavior)), validationContext(checkpoint.config));
}

function vectorDefaultsMeta(args: Args, checkpoint: DecodedCheckpoint, behavior: Behavior): object | undefined {
  return args.has('mode') ? undefined : checkpoint.steering[behavior]?.meta;
}

/** Per-buffer budget on the CPU backend: no batch-sized buffer (logits, attention, MLP, KV cache) above 512 MiB. */
const CPU_BUFFER_BYTES = 512 * 2 ** 20;

/**
 * The sequences (B·G) one batch may hold for this model: the per-sequence growth of the largest
 * batch-sized buffer (engine/device.ts's list, the one the GPU model is checked against) under the
 * CPU budget. Catches e.g. groupSize 2^30 as one line before anything is allocated.
 */
export function validationContext(config: GPTConfig): ValidationContext {
  const one = modelBufferSizes(config, 1);
  const two = modelBufferSizes(config, 2);
  const perSequence = Math.max(1, ...one.map((b, i) => two[i].bytes - b.bytes));
  return { maxSequences: Math.max(1, Math.floor(CPU_BUFFER_BYTES / perSequence)) };
}


export interface RunOnceOptions {
  loaded: Loaded;
  behavior: Behavior;
  config: RlConfig;
  steering?: SteeringVector;
  backend: 'cpu' | 'webgpu';
  /** Awaited before the next step (so a slow stdout reader paces the run). */
  onMetrics: (m: StepMetrics) => void | Promise<void>;
  /** Auto-save target (every saveEvery steps and at the end). */
  out?: string;
}

/** One run from the loaded checkpoint's weights, on a fresh model (so runs of a grid never share state). */
export async function runOnce(o: RunOnceOptions): Promise<{ history: StepMetrics[]; model: LanguageModel }> {
  const { checkpoint, task } = o.loaded;
  validOrThrow(o.config, validationContext(checkpoint.config)); // this model's limits, before allocating
  const model = await createModel(checkpoint.config, checkpoint.params, o.backend);
  const refModel = needsReference(o.config) ? await createModel(checkpoint.config, checkpoint.params, o.backend) : undefined;
  let trainer;
  try {
    trainer = createTrainer({ model, refModel, task, steering: o.steering, config: o.config });
  } catch (e) {
    model.dispose();
    refModel?.dispose();
    throw new CliError(`invalid setup: ${(e as Error).message}`);
  }
  let savedAt = -1;
  const save = async (step: number) => {
    if (!o.out) return;
    writeOut(o.out, await checkpointBytes(model, checkpoint, o.behavior, o.config, step));
    savedAt = step;
  };
  const history = await runTrainer(trainer, async (m) => {
    await o.onMetrics(m);
    if (isSavePoint(o.config, m.step, !!m.halted)) await save(m.step);
  });
  // The end of the run is always saved (a halted run, saveEvery 0), once.
  if (savedAt !== trainer.stepsDone) await save(trainer.stepsDone);
  trainer.dispose();
  refModel?.dispose();
  return { history, model };
}

async function checkpointBytes(model: LanguageModel, c: Checkpoint, behavior: Behavior, config: RlConfig, stepsDone: number): Promise<Uint8Array> {
  const metadata = trainedMetadata(c.metadata, { behavior, config, stepsDone });
  return encodeCheckpoint({ config: c.config, params: await model.getParams(), metadata, steering: c.steering });
}

/** The steering vector a method needs (stored, or extracted afresh with --mode); optional otherwise. */
export async function steeringFor(args: Args, loaded: Loaded, behavior: Behavior, methods: RlConfig['method'][]): Promise<SteeringVector | undefined> {
  if (methods.some(methodUsesSteering) || args.has('mode')) return steeringVectorFor(args, loaded, behavior);
  return loaded.checkpoint.steering[behavior];
}

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));

export function stepLine(m: StepMetrics): string {
  const parts = [`step ${m.step}`];
  if (m.rewardMean !== null) parts.push(`reward ${fmt(m.rewardMean)}`, `acc ${fmt(m.accuracy, 2)}`, `beh ${fmt(m.behavior, 2)}`);
  if (m.loss !== null) parts.push(`loss ${fmt(m.loss, 4)}`);
  if (m.kl !== null) parts.push(`kl ${fmt(m.kl, 4)}`);
  if (m.eval) parts.push(`| eval greedy acc ${fmt(m.eval.greedy.accuracy, 2)} beh ${fmt(m.eval.greedy.behavior, 2)}, sampled acc ${fmt(m.eval.sampled.accuracy, 2)} beh ${fmt(m.eval.sampled.behavior, 2)}`);
  parts.push(`(${m.ms.total.toFixed(0)} ms)`);
  if (m.halted) parts.push(`HALTED: ${m.halted}`);
  return parts.join('  ');
}

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  for (const f of ['method', 'seed']) if (!args.has(f)) throw new CliError(`--${f} is required`);
  const backend = parseBackend(args);
  const raw = rawConfigFromArgs(args);
  const threshold = parseThreshold(args);
  const json = args.bool('json');
  const out = args.has('out') ? args.str('out') : undefined;
  const read = await readForBehavior(args, behavior);
  // The vector's documented budget (steps, lr) and grid / dose fill in what the user left unset.
  const config = resolveConfig(args, raw, read.checkpoint, behavior);
  const loaded = await withModel(args, read);
  const steering = await steeringFor(args, loaded, behavior, [config.method]);
  loaded.model.dispose(); // each run builds its own model from the checkpoint
  const budget = raw.steps !== undefined ? '' : withVectorDefaults({}, vectorDefaultsMeta(args, read.checkpoint, behavior)).steps !== undefined ? " (the vector's documented budget)" : ' (default)';
  progress(`train ${behavior}: ${config.method}, ${config.steps} steps${budget}, seed ${config.seed}, B=${config.batchPrompts} G=${config.groupSize} on ${backend}`);
  const t0 = performance.now();
  const { history, model } = await runOnce({
    loaded,
    behavior,
    config,
    steering,
    backend,
    out,
    onMetrics: async (m) => {
      if (json && (m.step % 10 === 0 || m.eval)) progress(stepLine(m));
      await (json ? writeJson({ type: 'step', ...m }) : writeLine(stepLine(m)));
    },
  });
  model.dispose();
  const summary = { type: 'summary', behavior, method: config.method, seed: config.seed, backend, threshold, ...summarizeRun(history, config.steps, threshold), wallTimeSeconds: (performance.now() - t0) / 1000, out: out ?? null, config };
  await writeJson(summary);
  if (summary.halted) throw new CliError(`the run stopped: ${summary.halted}${out ? `; the last good weights are in ${out}` : ''}`);
}
