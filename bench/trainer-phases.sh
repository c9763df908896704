#!/usr/bin/env bash
# Milliseconds per phase of one trainer step (VSPO, each shipped checkpoint's default config: B = 8 prompts
# × G = 8 rollouts) and rollout tokens/s, on the CPU backend and on WebGPU (Dawn in Node; SwiftShader where
# there is no GPU). Prints one markdown row per behavior and backend. Usage:
#   bash bench/trainer-phases.sh [cpu_steps=20] [webgpu_steps=5] [behaviors="verbosity confidence expertise robustness"]
# The step-0 evaluation is excluded (eval runs every 5 steps and is reported in its own column, per step).
set -euo pipefail
cd "$(dirname "$0")/.."
cpu_steps=${1:-20}
gpu_steps=${2:-5}
behaviors=${3:-verbosity confidence expertise robustness}
echo "| behavior | backend | steps | rollout | score | reference | update | eval (per step) | total ms/step | rollout tok/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for b in $behaviors; do
  for backend in cpu webgpu; do
    steps=$cpu_steps
    [ "$backend" = webgpu ] && steps=$gpu_steps
    npm run -s vspo -- train --checkpoint "public/checkpoints/$b.safetensors" --behavior "$b" --method vspo \
      --steps "$steps" --seed 0 --backend "$backend" --json 2>/dev/null | tail -n 1 |
      node -e '
        const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const m = s.msPerStep, f = (x) => x.toFixed(0);
        console.log(`| ${s.behavior} | ${s.backend} | ${s.steps} | ${f(m.rollout)} | ${m.score.toFixed(1)} | ${f(m.reference)} | ${f(m.update)} | ${f(m.eval)} | ${f(m.total)} | ${f(s.rolloutTokensPerSec)} |`);'
  done
done
