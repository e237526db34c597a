// Sums for the Pearson correlation of dictionary A's latents with dictionary B's over one chunk
// of rows, added to running totals (so chunks stream). Two row sets: S0, the included rows
// (mask[r]); S1, the rows r where r and its shifted row s(r) = (r + shift) mod rows are both
// included: A at r is paired with B at s(r), the chance baseline (B from another sequence).
// `sums`: per feature of A then B, (Σx, Σx²) over S0 and over S1 (B read at s(r) for S1).
// `pairs`: per pair (i, j), Σ a_i b_j over S0 and Σ a_i(r) b_j(s(r)) over S1; every pair of
// A × B when FULL, else the pair list.

struct Run {
  rows: u32,
  shift: u32,
  pairCount: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
// [rows] S0 membership, then [rows] S1 membership (0 or 1).
@group(0) @binding(3) var<storage, read> mask: array<u32>;
// Pair list (i, j) when not FULL.
@group(0) @binding(4) var<storage, read> pairList: array<u32>;
@group(0) @binding(5) var<storage, read_write> pairSums: array<f32>;
@group(0) @binding(6) var<storage, read_write> sumsA: array<f32>;
@group(0) @binding(7) var<storage, read_write> sumsB: array<f32>;

override NA: u32;
override NB: u32;
// Row strides of the latent buffers (d_sae rounded up to 4).
override SA: u32;
override SB: u32;
override FULL: u32 = 1u;

fn shifted(r: u32) -> u32 {
  return (r + run.shift) % run.rows;
}

fn invocation(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * 64u + lid;
}

@compute @workgroup_size(64)
fn sums(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let c = invocation(wid, nwg, lid);
  if (c >= NA + NB) { return; }
  var s0 = 0.0;
  var q0 = 0.0;
  var s1 = 0.0;
  var q1 = 0.0;
  for (var r = 0u; r < run.rows; r++) {
    var x0: f32;
    var x1: f32;
    if (c < NA) {
      x0 = a[r * SA + c];
      x1 = x0;
    } else {
      x0 = b[r * SB + c - NA];
      x1 = b[shifted(r) * SB + c - NA];
    }
    let m0 = f32(mask[r]);
    let m1 = f32(mask[run.rows + r]);
    s0 += m0 * x0;
    q0 += m0 * x0 * x0;
    s1 += m1 * x1;
    q1 += m1 * x1 * x1;
  }
  if (c < NA) {
    sumsA[c * 4u] += s0;
    sumsA[c * 4u + 1u] += q0;
    sumsA[c * 4u + 2u] += s1;
    sumsA[c * 4u + 3u] += q1;
  } else {
    let j = c - NA;
    sumsB[j * 4u] += s0;
    sumsB[j * 4u + 1u] += q0;
    sumsB[j * 4u + 2u] += s1;
    sumsB[j * 4u + 3u] += q1;
  }
}

@compute @workgroup_size(64)
fn pairs(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let p = invocation(wid, nwg, lid);
  if (p >= run.pairCount) { return; }
  var i: u32;
  var j: u32;
  if (FULL == 1u) {
    i = p / NB;
    j = p % NB;
  } else {
    i = pairList[p * 2u];
    j = pairList[p * 2u + 1u];
  }
  var ab0 = 0.0;
  var ab1 = 0.0;
  for (var r = 0u; r < run.rows; r++) {
    let x = a[r * SA + i];
    if (x == 0.0) { continue; }
    ab0 += f32(mask[r]) * x * b[r * SB + j];
    ab1 += f32(mask[run.rows + r]) * x * b[shifted(r) * SB + j];
  }
  pairSums[p * 2u] += ab0;
  pairSums[p * 2u + 1u] += ab1;
}
