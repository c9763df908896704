// Is the model internalizing its steering vector? Measured on the UNSTEERED model at the decision
// position (DESIGN §3), from the evaluation's own greedy responses:
//
//   projection  mean over prompts of ⟨h_d, v̂⟩: the residual after the vector's block at the decision
//               position d, on the unit vector v̂ = v/‖v‖ (VSPO's claim: this moves along v as training
//               makes the steered behavior the model's own)
//   log-odds    mean of log p(t⁺) − log(1 − p(t⁺)) for the behavior's decision token t⁺ at d
//
// and, per intensity α of a grid, the bandit lab's alignment figures measured on the model (src/bandit):
//
//   ratio       steered behavior score at α over the unsteered one (how much more often steered rollouts
//               land in the behavior)
//   tv          total-variation distance between the steered outcome distribution and the target one
//               (all mass on "correct and behavior-positive"): 1 − the rewarded rate at α
//
// Shapes: B prompts; each row is the prompt plus the first `decisionOffset` tokens of its greedy
// response, T = d + 1 positions; hidden [B, T, C], logits [B, T, V]. Rows whose greedy response ended
// before the decision are left out (n says how many were used).
import type { BehaviorTask, Problem } from '../data/types';
import type { LanguageModel } from '../model/types';
import { decisionPosition } from './generate';
import type { SteeringVector } from './types';

export interface Internalization {
  projection: number;
  logOdds: number;
  /** Prompts measured. */
  n: number;
}

export interface AlignmentPoint {
  alpha: number;
  ratio: number | null; // null when the unsteered behavior score is 0
  tv: number;
}

/** The decision-position rows: prompt + the greedy response's first `decisionOffset` tokens. */
function decisionRows(task: BehaviorTask, problems: Problem[], responses: string[]): { tokens: Int32Array; B: number; T: number } {
  const off = task.decisionOffset;
  const T = decisionPosition(task) + 1;
  const rows: number[][] = [];
  problems.forEach((p, i) => {
    const head = task.tokenizer.encode(responses[i].slice(0, off));
    if (head.length === off) rows.push([...task.tokenizer.encode(p.prompt), ...head]);
  });
  const tokens = new Int32Array(rows.length * T);
  rows.forEach((r, b) => tokens.set(r, b * T));
  return { tokens, B: rows.length, T };
}

export async function measureInternalization(model: LanguageModel, task: BehaviorTask, vector: SteeringVector, problems: Problem[], greedyResponses: string[]): Promise<Internalization> {
  const { tokens, B, T } = decisionRows(task, problems, greedyResponses);
  if (B === 0) return { projection: 0, logOdds: 0, n: 0 };
  const C = model.config.dModel;
  const V = model.config.vocabSize;
  const d = T - 1;
  const batch = { tokens, B, T };
  const h = await model.hidden(batch, vector.meta.layer);
  const logits = await model.logits(batch);
  let norm = 0;
  for (let c = 0; c < C; c++) norm += vector.vector[c] ** 2;
  norm = Math.sqrt(norm);
  const pos = task.tokenizer.encode(task.decisionToken.positive)[0];
  let projection = 0;
  let logOdds = 0;
  for (let b = 0; b < B; b++) {
    const hb = (b * T + d) * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += h[hb + c] * vector.vector[c];
    projection += dot / norm;
    const lb = (b * T + d) * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[lb + v]);
    let rest = 0; // Σ_{v ≠ t⁺} exp(l_v − max)
    for (let v = 0; v < V; v++) if (v !== pos) rest += Math.exp(logits[lb + v] - max);
    logOdds += logits[lb + pos] - max - Math.log(rest);
  }
  return { projection: projection / B, logOdds: logOdds / B, n: B };
}

/** The bandit's alignment figures from steered and unsteered scores of the same prompts. */
export function alignmentPoint(alpha: number, steered: { behavior: number; rewarded: number }, unsteeredBehavior: number): AlignmentPoint {
  return { alpha, ratio: unsteeredBehavior > 0 ? steered.behavior / unsteeredBehavior : null, tv: 1 - steered.rewarded };
}
