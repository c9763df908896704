#!/usr/bin/env bash
# The benchmark on a Linux GPU server, headless (DESIGN §8): ours and TF.js's WebGPU backend in one Node
# process on Dawn over Vulkan, both of our tunings, the full sizes up to GPT-2 small on a real GPU.
#
#   bash bench/gpu-server.sh OUT_DIR [bench flags, e.g. --quick or --only matmul]
#
# Needs Node >= 20, the repo's node_modules (npm ci) and the machine's Vulkan driver; nothing is fetched.
# Writes OUT_DIR/bench-<time>.jsonl (one JSON object per line, as `npm run -s bench -- --node --json`)
# and OUT_DIR/bench-<time>.log (progress), prints the adapter it found (or says that none was) and a
# table of the ratios. Gives up after 9.5 minutes; the lines written by then are kept.
#
# Vulkan on a GPU machine needs the loader (libvulkan.so.1) and the vendor's driver manifest (ICD JSON):
#  - with no libvulkan.so.1 in the linker cache, the .deb files in <repo>/.gl/ or $VSPO_GL_DEBS (e.g. from
#    `apt-get download libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2`) are unpacked
#    into a private folder and put on LD_LIBRARY_PATH;
#  - with neither VK_ICD_FILENAMES nor VK_DRIVER_FILES set, the NVIDIA manifest is looked for in the
#    usual places (also /usr/local/nvidia, where containers mount the driver) and used.
# Where no GPU adapter is found, Dawn falls back to SwiftShader if Chromium's copy is installed (then the
# adapter line says swiftshader and the sizes are reduced), else the bench exits 2 saying so.
set -uo pipefail

log() { printf '[gpu-server] %s\n' "$*" >&2; }

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: bash bench/gpu-server.sh OUT_DIR [bench flags]" >&2
  exit 2
fi
out=$1
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out" || { log "cannot create $out"; exit 2; }
out=$(cd "$out" && pwd)

# --- Node and the dependencies -------------------------------------------------------------------
node_bin=${VSPO_NODE:-$(command -v node || true)}
if [ -z "$node_bin" ] || ! "$node_bin" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  log "Node >= 20 is needed (set VSPO_NODE=/path/to/node if it is not on PATH)"
  exit 2
fi
# VSPO_BENCH_BUNDLE: a prebuilt bench/node.ts bundle (the GPU kit, bench/gpu-kit.sh) instead of tsx + sources
bundle=${VSPO_BENCH_BUNDLE:-}
if [ -n "$bundle" ]; then
  [ -f "$bundle" ] || { log "VSPO_BENCH_BUNDLE=$bundle is not a file"; exit 2; }
  deps=webgpu
else
  deps="tsx esbuild webgpu @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu"
fi
for dep in $deps; do
  if [ ! -d "$root/node_modules/$dep" ]; then
    log "node_modules/$dep is missing: run npm ci in $root first"
    exit 2
  fi
done

# --- the Vulkan loader --------------------------------------------------------------------------
add_lib() { [ -d "$1" ] && export LD_LIBRARY_PATH="$1${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; }
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  debs=$(ls "${VSPO_GL_DEBS:-$root/.gl}"/*.deb 2>/dev/null || true)
  if [ -n "$debs" ] && command -v dpkg >/dev/null; then
    prefix=$(mktemp -d "${TMPDIR:-/tmp}/vspo-vulkan.XXXXXX")
    for f in $debs; do dpkg -x "$f" "$prefix"; done
    add_lib "$prefix/usr/lib/x86_64-linux-gnu"
    add_lib "$prefix/usr/lib/aarch64-linux-gnu"
    log "Vulkan loader: unpacked $(echo "$debs" | wc -w) package(s) from .gl/ into $prefix"
  else
    log "no Vulkan loader (libvulkan.so.1) in the linker cache: install libvulkan1, or put its .deb (and libglvnd0's) in $root/.gl/"
  fi
fi
add_lib /usr/local/nvidia/lib
add_lib /usr/local/nvidia/lib64

# --- the driver manifest ------------------------------------------------------------------------
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$icd" ]; then
      export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
      break
    fi
  done
fi
if [ -e /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
command -v nvidia-smi >/dev/null && log "GPU: $(nvidia-smi -L 2>/dev/null | head -1)"
log "Vulkan driver manifest: ${VK_ICD_FILENAMES:-none set, the default search of the loader}"

# --- the benchmark ------------------------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
jsonl="$out/bench-$stamp.jsonl"
progress="$out/bench-$stamp.log"
cd "$root" || exit 2
if [ -n "$bundle" ]; then cmd=("$bundle"); else cmd=(node_modules/tsx/dist/cli.mjs bench/run.ts --node); fi
timeout -k 10 580 "$node_bin" "${cmd[@]}" --json --timeout 570 "$@" >"$jsonl" 2> >(tee "$progress" >&2)
rc=$?
sleep 0.2 # let tee drain

# --- what was found (the checks, the ratios, the tuning suggestions, issue 15's targets) -------------
"$node_bin" "$root/bench/gpu-report.mjs" "$jsonl"
log "JSON lines: $jsonl (exit $rc)"
exit $rc
