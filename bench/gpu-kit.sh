#!/usr/bin/env bash
# The GPU-server benchmark (bench/gpu-server.sh) as one self-contained folder, for a GPU machine that has
# no Node and no npm and cannot reach a registry (DESIGN §8). Build it here, copy the folder there, run.
#
#   bash bench/gpu-kit.sh [KIT_DIR]          here, after npm ci (default KIT_DIR: .gpu-kit, git-ignored)
#   bash KIT_DIR/run.sh OUT_DIR [bench flags]  there (e.g. --quick, --only matmul,train)
#
# The kit (~45 MB): this machine's Node binary (xz), bench/node.ts bundled with TF.js (node-bench.mjs),
# the `webgpu` package's Linux x64 Dawn addon, shaders/, bench/gpu-server.sh and bench/gpu-report.mjs. The Node binary needs
# glibc >= 2.28 there and Dawn's addon glibc >= 2.34. Vulkan loader packages, if the machine lacks
# libvulkan.so.1, go in <KIT_DIR>/../.gl/*.deb (or VSPO_GL_DEBS=folder), as gpu-server.sh describes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kit=${1:-$root/.gpu-kit}
log() { printf '[gpu-kit] %s\n' "$*" >&2; }

node_bin=$(command -v node) || { log "node is not on PATH"; exit 2; }
dawn="$root/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || { log "$dawn is missing: run npm ci first"; exit 2; }
command -v xz >/dev/null || { log "xz is needed (apt-get install xz-utils)"; exit 2; }

rm -rf "$kit"
mkdir -p "$kit/bench" "$kit/node_modules/webgpu/dist/linux-x64"
cd "$root"
node node_modules/tsx/dist/cli.mjs bench/run.ts --bundle-node "$kit/node-bench.mjs"
cp -r shaders "$kit/shaders"
cp bench/gpu-server.sh bench/gpu-report.mjs "$kit/bench/"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md "$kit/node_modules/webgpu/"
cp "$dawn" "$kit/node_modules/webgpu/dist/linux-x64/"
xz -T0 -c "$node_bin" >"$kit/node.xz" # level 6 unless XZ_OPT says otherwise

# run.sh: unpack Node once into a temporary folder (xz, or Python's lzma where xz is missing), then the
# same gpu-server.sh with the bundle in place of tsx and the sources.
cat >"$kit/run.sh" <<'EOF'
#!/usr/bin/env bash
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=${TMPDIR:-/tmp}/vspo-kit-node
if [ ! -x "$node" ]; then
  if command -v xz >/dev/null; then xz -dc "$here/node.xz" >"$node.part"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$here/node.xz" "$node.part"
  fi || { echo "[gpu-kit] cannot unpack node.xz (needs xz or python3)" >&2; exit 2; }
  chmod +x "$node.part" && mv "$node.part" "$node"
fi
export VSPO_NODE=$node VSPO_BENCH_BUNDLE=$here/node-bench.mjs
export VSPO_GL_DEBS=${VSPO_GL_DEBS:-$here/../.gl}
exec bash "$here/bench/gpu-server.sh" "$@"
EOF
chmod +x "$kit/run.sh"
log "kit in $kit ($(du -sh "$kit" | cut -f1)); there: bash $(basename "$kit")/run.sh OUT_DIR [--quick]"
