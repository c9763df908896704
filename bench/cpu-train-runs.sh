#!/usr/bin/env bash
# Seconds per `vspo train` (VSPO, seed 0, CPU backend) at each shipped checkpoint's documented budget
# (the steps and lr in its vector's metadata, which the CLI fills in when --steps is unset), on the WASM
# kernels (default) and on the plain TypeScript ones (VSPO_CPU_KERNELS=plain), issue 16. For each
# behavior the kernel sets alternate in the order given, so both see the same machine load as far as
# possible. One JSON line per run on stdout:
#   {"bench":"cpu-train-run","behavior":…,"kernels":…,"steps":…,"wall_s":…,"ms_per_step":…,
#    "final_behavior":…,"final_accuracy":…}
# Usage: bash bench/cpu-train-runs.sh [behaviors="verbosity confidence expertise robustness"] \
#          [plain_behaviors="verbosity robustness" ("" for none)]
# Plain runs are ~8× slower (547 s for verbosity), so by default only two behaviors run plain.
# TRAIN_EXTRA='--steps 2' appends flags to every train (the CLI keeps a flag's last value): the
# README-commands test runs it so.
set -euo pipefail
cd "$(dirname "$0")/.."
behaviors=${1:-verbosity confidence expertise robustness}
plain_behaviors=${2-verbosity robustness}
run() { # behavior kernels
  local env=()
  [ "$2" = plain ] && env=(VSPO_CPU_KERNELS=plain)
  # shellcheck disable=SC2086 # TRAIN_EXTRA is word-split on purpose
  env "${env[@]}" npm run -s vspo -- train --checkpoint "public/checkpoints/$1.safetensors" --behavior "$1" \
    --method vspo --seed 0 --backend cpu --json ${TRAIN_EXTRA:-} 2>/dev/null | tail -n 1 |
    KERNELS="$2" node -e '
      const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
      console.log(JSON.stringify({ bench: "cpu-train-run", behavior: s.behavior, kernels: process.env.KERNELS,
        steps: s.config.steps, wall_s: Number(s.wallTimeSeconds.toFixed(1)), ms_per_step: Number(s.msPerStep.total.toFixed(0)),
        final_behavior: s.final?.sampled.behavior ?? null, final_accuracy: s.final?.sampled.accuracy ?? null }));'
}
for b in $behaviors; do
  run "$b" wasm
  case " $plain_behaviors " in *" $b "*) run "$b" plain ;; esac
done
