// One-line definitions for the symbols the workbench shows, used as tooltips (components/Term.tsx) on
// labels, chart titles and table headers. Kept short: a hover, not a paper.

export const GLOSSARY = {
  alpha: 'α (steering intensity): how much of the steering vector v is added to the residual stream at the decision position; α = 1 adds v itself, α = 0 is the unsteered model.',
  lambda: 'λ (behavior weight): the reward is accuracy + λ · behavior reward, and the behavior reward pays only a correct, behavior-positive answer.',
  beta: 'β (KL weight): how strongly the update is pulled back toward the reference model (the run’s starting checkpoint); 0 turns the KL term off.',
  kl: 'KL (k3): the estimator exp(ref − logp) − (ref − logp) − 1 of the KL divergence from the reference model, averaged over response tokens; always ≥ 0.',
  clip: 'Clip fraction: the share of response tokens whose importance ratio π_θ / π_old left [1 − ε, 1 + ε], so the clipped objective stopped their gradient.',
  auc: 'AUC: the area under the behavior-over-steps curve divided by the whole step budget (the mean behavior over training); higher = learned sooner.',
  vspo: 'VSPO (vector-steered policy optimization): GRPO whose rollouts are sampled with a steering vector added at several intensities α, while the update trains the unsteered policy, so the model learns to do unsteered what steering showed it.',
} as const;

export type GlossaryKey = keyof typeof GLOSSARY;
