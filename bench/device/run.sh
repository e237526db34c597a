#!/usr/bin/env bash
# The one script of a real-GPU benchmark run (issue 13): the WebGPU step at GPT-2 small scale and
# at today's shapes, the encoder product alone, the activation stream, and PyTorch's step beside
# them; one JSON file, $OUT/device-bench.json, rewritten after each section (see README,
# "Benchmark on a real GPU").
#
#   OUT=/some/dir bash bench/device/run.sh            on the GPU machine, with .device-bundle/
#                                                     (bench/device/prepare.sh) carried along
#   bash bench/device/run.sh --dry-run [--bundle]     here: tiny shapes, SwiftShader, CPU PyTorch;
#                                                     the project's node and node_modules, or the
#                                                     bundle with --bundle; OUT defaults to a
#                                                     temporary folder
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bundle="$root/.device-bundle"

dry=0
use_bundle=1
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry=1 use_bundle=${use_bundle_flag:-0} ;;
    --bundle) use_bundle_flag=1 use_bundle=1 ;;
    *)
      echo "run.sh: unknown option $arg; usage: bench/device/run.sh [--dry-run [--bundle]]" >&2
      exit 2
      ;;
  esac
done

if [ -z "${OUT:-}" ]; then
  if [ "$dry" = 1 ]; then
    OUT="$(mktemp -d /tmp/device-bench-out.XXXXXX)"
  else
    echo "run.sh: set OUT to the folder the results go to" >&2
    exit 2
  fi
fi
mkdir -p "$OUT"
work="$(mktemp -d /tmp/device-bench.XXXXXX)"
dawn="$bundle/node_modules/webgpu/dist/linux-x64/dawn.node"
dawn_link=0
cleanup() {
  [ "$dawn_link" = 1 ] && rm -f "$dawn"
  rm -rf "$work"
}
trap cleanup EXIT

# Decompresses an .xz file with xz, or with Python's lzma where xz is missing.
unxz_to() {
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

node_bin="$(command -v node || true)"
if [ "$use_bundle" = 1 ]; then
  if [ ! -f "$bundle/app/runDevice.mjs" ]; then
    echo "run.sh: no bundle at $bundle; build it with bench/device/prepare.sh" >&2
    exit 2
  fi
  if [ -f "$bundle/node.xz" ]; then
    unxz_to "$bundle/node.xz" "$work/node" && chmod +x "$work/node" && node_bin="$work/node"
  fi
  # dawn.node travels compressed; unpacked outside the bundle, which keeps only a link to it.
  if [ ! -e "$dawn" ] && [ -f "$dawn.xz" ]; then
    unxz_to "$dawn.xz" "$work/dawn.node" && ln -s "$work/dawn.node" "$dawn" && dawn_link=1
  fi
  # Dawn needs the Vulkan loader; the machine may lack it: unpack the carried one privately.
  if ! /sbin/ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then
    deb="$(ls "$bundle"/libvulkan1_*.deb 2>/dev/null | head -1)"
    if [ -n "$deb" ]; then
      mkdir -p "$work/vk"
      if command -v dpkg >/dev/null; then
        dpkg -x "$deb" "$work/vk"
      else
        (cd "$work/vk" && ar x "$deb" && tar xf data.tar.*)
      fi
      export LD_LIBRARY_PATH="$work/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
  fi
fi
if [ -z "$node_bin" ]; then
  echo "run.sh: no node: neither $bundle/node.xz nor node on PATH" >&2
  exit 2
fi

# On a GPU machine, point the loader at NVIDIA's driver when its manifest is where containers put it.
if [ "$dry" = 0 ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then
      export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
      break
    fi
  done
fi

# The GEMM kernels are tuned once per adapter (the first section) into this cache.
export TRANSCODER_PLAYGROUND_CACHE="$work/cache"

# The Python that has PyTorch (PYTHON, else python3, else Debian's /usr/bin/python3).
python="${PYTHON:-}"
if [ -z "$python" ]; then
  python=python3
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
fi

echo "run.sh: node $("$node_bin" --version), python $python, out $OUT${LD_LIBRARY_PATH:+, LD_LIBRARY_PATH=$LD_LIBRARY_PATH}"
args=(--out "$OUT" --python "$python")
[ "$dry" = 1 ] && args+=(--dry-run)
if [ "$use_bundle" = 1 ]; then
  "$node_bin" "$bundle/app/runDevice.mjs" --bundle "$bundle" "${args[@]}"
else
  "$node_bin" --import tsx bench/device/runDevice.ts "${args[@]}"
fi
status=$?
echo "run.sh: results in $OUT/device-bench.json"
exit $status
