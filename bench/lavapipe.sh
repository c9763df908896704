#!/usr/bin/env bash
# Runs a command with WebGPU on Mesa's lavapipe (llvmpipe's Vulkan driver) 25.x instead of SwiftShader:
# a second CPU implementation of Vulkan, with what SwiftShader lacks — `shader-f16` and 8-wide subgroups
# (so rowWG 64 is 8 subgroups) — and its own invocation order, which a race or a layout assumption
# can trip over (DESIGN §7). Debian bookworm's own lavapipe (22.3) lacks features Dawn needs; the
# backports one works. Both Dawn in Node (`--node` bench, the CLI) and Chromium (the GPU tests) pick
# it up through VK_ICD_FILENAMES.
#
#   bash bench/lavapipe.sh npx vitest run --project gpu
#   bash bench/lavapipe.sh npm run -s bench -- --node --json --only check
#
# The driver is unpacked into .lavapipe/ (git-ignored) from mesa-vulkan-drivers and libdrm2 of
# bookworm-backports, fetched with apt-get download: the apt sources must list bookworm-backports
# (as root: echo 'deb http://deb.debian.org/debian bookworm-backports main' >
# /etc/apt/sources.list.d/backports.list && apt-get update). Nothing is installed system-wide.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.lavapipe"
lib="$dir/root/usr/lib/x86_64-linux-gnu"
if [ $# -eq 0 ]; then
  echo "usage: bash bench/lavapipe.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ ! -f "$lib/libvulkan_lvp.so" ]; then
  mkdir -p "$dir/debs"
  if ! (cd "$dir/debs" && apt-get download mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports) >&2; then
    echo "lavapipe.sh: could not fetch mesa-vulkan-drivers from bookworm-backports; add the source (see the top of this script) and run apt-get update" >&2
    exit 1
  fi
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
fi
api=$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json")
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "%s" } }\n' "$lib/libvulkan_lvp.so" "$api" >"$dir/lvp_icd.json"
export VK_ICD_FILENAMES="$dir/lvp_icd.json" VK_DRIVER_FILES="$dir/lvp_icd.json"
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd "$root"
exec "$@"
