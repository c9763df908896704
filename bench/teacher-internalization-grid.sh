#!/usr/bin/env bash
# The README's internalization and teacher-realism measurements on confidence and expertise, one CLI
# process at a time (the cores are shared), each command's JSON lines saved as OUT/<name>.jsonl and its
# progress table as OUT/<name>.stderr. A job whose .jsonl already ends in a summary line is skipped, so
# the grid can be resumed. Usage:
#   bash bench/teacher-internalization-grid.sh OUT [job ...]   (default: int-confidence int-expertise and the teacher jobs)
# Jobs: int-B (vspo,grpo with evalAlignment, 3 seeds) and METHODS@ACC_STYLES-B (distill and/or guide, 3
# seeds, teacher accuracy ACC × styles STYLES, e.g. distill,guide@0.7_own,foreign-confidence). Every
# setting not named is the checkpoint's documented one (budget, lr, grid, dose); evaluation on test.
# GRID_EXTRA='--steps 2 --seeds 2' appends flags to every compare (the CLI keeps a flag's last value):
# the README-commands test runs the grid so.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/teacher-internalization-grid.sh OUT [jobs...]}
shift
# the jobs: every argument after OUT, each one or several separated by spaces
jobs=${*:-int-confidence int-expertise distill@0.7_own,foreign-confidence distill@1_foreign-confidence guide@0.7_own-confidence guide@0.7_foreign-confidence guide@1_foreign-confidence}
mkdir -p "$out"

args_for() {
  local b=$2
  local ck="--checkpoint public/checkpoints/$b.safetensors --behavior $b"
  case $1 in
    int) echo "$ck --methods vspo,grpo --seeds 3 --config {\"evalAlignment\":true} --steps-json --json" ;;
    *@*) local t=${1#*@}
      echo "$ck --methods ${1%@*} --seeds 3 --teacher-accuracy ${t%_*} --teacher-style ${t#*_} --json" ;;
    *) echo "unknown job kind $1" >&2; exit 2 ;;
  esac
}

for job in $jobs; do
  name=${job%%-*}
  behavior=${job#*-}
  file="$out/$job.jsonl"
  if [ -s "$file" ] && tail -n 1 "$file" | grep -q '"type":"summary"'; then echo "skip $job (done)"; continue; fi
  # shellcheck disable=SC2046 # the argument list is word-split on purpose (no value holds a space)
  set -- $(args_for "$name" "$behavior")
  echo "$(date -u +%H:%M:%S) start $job: vspo compare $*"
  # shellcheck disable=SC2086 # GRID_EXTRA is word-split on purpose
  nice -n 5 npm run -s vspo -- compare "$@" ${GRID_EXTRA:-} >"$file" 2>"$out/$job.stderr"
  echo "$(date -u +%H:%M:%S) done $job"
done
