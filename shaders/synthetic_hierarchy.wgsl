// The hierarchy of a synthetic model (prelude: synthetic_random), one invocation per (sample b,
// lane c), as synthetic_fire.wgsl: it zeroes the lane's features i = c, c + chunks, ... in acts,
// then walks the lane's list of fired features. Each fired feature's final value follows its
// chain of ancestors from the root down: each node is gated by its parent's final value (times
// parent/mean_parent when the parent scales its children, else times [parent > 0]) and, in a
// mutual-exclusion group, survives only if it has the largest draw among its active siblings
// (ties: the lower index). Siblings compete on their raw values, as SAELens applies exclusion
// before gating the next level. The list keeps the survivors only, for synthetic_decode.wgsl.
// Reference: src/engine/synthetic/sampleReference.ts (level by level, as SAELens).

struct Params {
  batch: u32,
  num_features: u32,
  rank: u32,
  step: u32,
  seed: u32,
  correlated: u32,
  chunks: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Per feature: (threshold or p, mean, std, √d); only the mean is read here.
@group(0) @binding(1) var<storage, read> features: array<vec4<f32>>;
// Per feature: (parent + 1 or 0, scaled by parent, first sibling in me_members, sibling count).
@group(0) @binding(2) var<storage, read> tree: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> me_members: array<u32>;
@group(0) @binding(4) var<storage, read> raw: array<f32>;
@group(0) @binding(5) var<storage, read_write> acts: array<f32>;
// [batch, chunks, CHUNK] and [batch, chunks], written by synthetic_fire.wgsl.
@group(0) @binding(6) var<storage, read_write> active_list: array<u32>;
@group(0) @binding(7) var<storage, read_write> active_count: array<u32>;

const WG: u32 = 64u;
const CHUNK: u32 = 64u;
const MAX_CHAIN: u32 = 32u;

fn wins_exclusion(row: u32, key: u32, f: u32, node: vec4<u32>) -> bool {
  let mine = draw_bits(key, f, 0u);
  for (var k = 0u; k < node.w; k++) {
    let s = me_members[node.z + k];
    if (s == f || !(raw[row + s] > 0.0)) {
      continue;
    }
    let theirs = draw_bits(key, s, 0u);
    if (theirs > mine || (theirs == mine && s < f)) {
      return false;
    }
  }
  return true;
}

/** Feature f's value after the hierarchy, in sample row `row` (raw[row + f] > 0). */
fn final_value(row: u32, key: u32, f: u32) -> f32 {
  var chain: array<u32, MAX_CHAIN>;
  var length = 0u;
  var node = f;
  loop {
    chain[length] = node;
    length++;
    let parent = tree[node].x;
    if (parent == 0u || length == MAX_CHAIN) {
      break;
    }
    node = parent - 1u;
  }
  var value = 1.0;
  var above = 0u;
  for (var k = length; k > 0u; k--) {
    let current = chain[k - 1u];
    let info = tree[current];
    var gate = 1.0;
    if (k < length && info.y != 0u) {
      gate = value / features[above].y;
    }
    value = raw[row + current] * gate;
    if (value > 0.0 && info.w > 0u && !wins_exclusion(row, key, current, info)) {
      value = 0.0;
    }
    if (!(value > 0.0)) {
      return 0.0;
    }
    above = current;
  }
  return value;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  let chunks = params.chunks;
  if (id >= params.batch * chunks) {
    return;
  }
  let b = id / chunks;
  let c = id % chunks;
  let n = params.num_features;
  let row = b * n;
  for (var i = c; i < n; i += chunks) {
    acts[row + i] = 0.0;
  }
  let key = row_key(params.seed, params.step, STREAM_MUTUAL_EXCLUSION, b);
  let list_base = id * CHUNK;
  let fired = active_count[id];
  var kept = 0u;
  for (var k = 0u; k < fired; k++) {
    let f = active_list[list_base + k];
    let value = final_value(row, key, f);
    if (value > 0.0) {
      acts[row + f] = value;
      active_list[list_base + kept] = f;
      kept++;
    }
  }
  active_count[id] = kept;
}
