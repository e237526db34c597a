// The hierarchy of a synthetic model (prelude: synthetic_random), one invocation per (sample b,
// feature f): f's final value follows its chain of ancestors from the root down. Each node is
// gated by its parent's final value (times parent/mean_parent when the parent scales its
// children, else times [parent > 0]) and, in a mutual-exclusion group, survives only if it has
// the largest draw among its active siblings (ties: the lower index). Siblings compete on their
// raw values, as SAELens applies exclusion before gating the next level.
// Reference: src/engine/synthetic/sampleReference.ts (level by level, as SAELens).

struct Params {
  batch: u32,
  num_features: u32,
  rank: u32,
  step: u32,
  seed: u32,
  correlated: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Per feature: (threshold or p, mean, std, √d); only the mean is read here.
@group(0) @binding(1) var<storage, read> features: array<vec4<f32>>;
// Per feature: (parent + 1 or 0, scaled by parent, first sibling in me_members, sibling count).
@group(0) @binding(2) var<storage, read> tree: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> me_members: array<u32>;
@group(0) @binding(4) var<storage, read> raw: array<f32>;
@group(0) @binding(5) var<storage, read_write> acts: array<f32>;

const WG: u32 = 256u;
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

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = gid.x;
  let b = gid.y;
  if (f >= params.num_features || b >= params.batch) {
    return;
  }
  let row = b * params.num_features;
  if (!(raw[row + f] > 0.0)) {
    acts[row + f] = 0.0;
    return;
  }
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
  let key = row_key(params.seed, params.step, STREAM_MUTUAL_EXCLUSION, b);
  var value = 1.0;
  var above = 0u;
  for (var k = length; k > 0u; k--) {
    let current = chain[k - 1u];
    let info = tree[current];
    var gate = 1.0;
    if (k < length) {
      if (info.y != 0u) {
        gate = value / features[above].y;
      } else {
        gate = 1.0;
      }
    }
    value = raw[row + current] * gate;
    if (value > 0.0 && info.w > 0u && !wins_exclusion(row, key, current, info)) {
      value = 0.0;
    }
    if (!(value > 0.0)) {
      value = 0.0;
      break;
    }
    above = current;
  }
  acts[row + f] = value;
}
