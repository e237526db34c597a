// For rows i of A [rows, D], the K largest and K smallest of A[i] @ B over B's N columns
// (B [D, N4] row-major, N4 = N rounded up to 4), never holding the whole product: one
// workgroup per row, each invocation scanning every 64th group of 4 columns with private
// sorted lists, then invocation 0 merges the 64 lists. Ties: the lower column first.
// With SKIP_SELF, column rowBase + i is left out (decoder-cosine neighbours).

struct Run {
  rowBase: u32,
  rows: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
// Per row: K (value bits, column) pairs of the largest, then K of the smallest.
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

override D: u32;
override N: u32;
override SKIP_SELF: u32 = 0u;

const WG: u32 = 64u;
const K: u32 = 10u;

var<workgroup> arow: array<f32, D>;
var<workgroup> topV: array<f32, WG * K>;
var<workgroup> topI: array<u32, WG * K>;
var<workgroup> botV: array<f32, WG * K>;
var<workgroup> botI: array<u32, WG * K>;

// (v, i) ranks before (w, j) among the largest (sign 1) or the smallest (sign -1).
fn ranks(v: f32, i: u32, w: f32, j: u32, sign: f32) -> bool {
  return v * sign > w * sign || (v == w && i < j);
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  let inRange = row < run.rows;
  let global = run.rowBase + row;
  for (var k = t; k < D; k += WG) {
    arow[k] = select(0.0, a[global * D + k], inRange);
  }
  workgroupBarrier();

  var tv: array<f32, K>;
  var ti: array<u32, K>;
  var bv: array<f32, K>;
  var bi: array<u32, K>;
  var filled = 0u;
  let n4 = (N + 3u) / 4u;
  for (var c = t; c < n4 && inRange; c += WG) {
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < D; k++) {
      acc += arow[k] * b[k * n4 + c];
    }
    for (var e = 0u; e < 4u; e++) {
      let j = c * 4u + e;
      if (j >= N || (SKIP_SELF == 1u && j == global)) { continue; }
      let v = acc[e];
      // Columns arrive in increasing order, so equal values never displace earlier ones.
      if (filled < K) {
        var p = filled;
        while (p > 0u && v > tv[p - 1u]) { tv[p] = tv[p - 1u]; ti[p] = ti[p - 1u]; p--; }
        tv[p] = v; ti[p] = j;
        var q = filled;
        while (q > 0u && v < bv[q - 1u]) { bv[q] = bv[q - 1u]; bi[q] = bi[q - 1u]; q--; }
        bv[q] = v; bi[q] = j;
        filled++;
        continue;
      }
      if (v > tv[K - 1u]) {
        var p = K - 1u;
        while (p > 0u && v > tv[p - 1u]) { tv[p] = tv[p - 1u]; ti[p] = ti[p - 1u]; p--; }
        tv[p] = v; ti[p] = j;
      }
      if (v < bv[K - 1u]) {
        var q = K - 1u;
        while (q > 0u && v < bv[q - 1u]) { bv[q] = bv[q - 1u]; bi[q] = bi[q - 1u]; q--; }
        bv[q] = v; bi[q] = j;
      }
    }
  }
  for (var k = 0u; k < K; k++) {
    let has = k < filled;
    topV[t * K + k] = tv[k];
    topI[t * K + k] = select(0xffffffffu, ti[k], has);
    botV[t * K + k] = bv[k];
    botI[t * K + k] = select(0xffffffffu, bi[k], has);
  }
  workgroupBarrier();
  if (t != 0u || !inRange) { return; }
  var headT: array<u32, WG>;
  var headB: array<u32, WG>;
  let o = global * K * 4u;
  for (var k = 0u; k < K; k++) {
    var best = WG;
    var worst = WG;
    for (var s = 0u; s < WG; s++) {
      if (headT[s] < K && topI[s * K + headT[s]] != 0xffffffffu) {
        let v = topV[s * K + headT[s]];
        let j = topI[s * K + headT[s]];
        if (best == WG || ranks(v, j, topV[best * K + headT[best]], topI[best * K + headT[best]], 1.0)) {
          best = s;
        }
      }
      if (headB[s] < K && botI[s * K + headB[s]] != 0xffffffffu) {
        let v = botV[s * K + headB[s]];
        let j = botI[s * K + headB[s]];
        if (worst == WG || ranks(v, j, botV[worst * K + headB[worst]], botI[worst * K + headB[worst]], -1.0)) {
          worst = s;
        }
      }
    }
    if (best < WG) {
      out[o + k * 2u] = bitcast<u32>(topV[best * K + headT[best]]);
      out[o + k * 2u + 1u] = topI[best * K + headT[best]];
      headT[best]++;
    } else {
      out[o + k * 2u + 1u] = 0xffffffffu;
    }
    if (worst < WG) {
      out[o + K * 2u + k * 2u] = bitcast<u32>(botV[worst * K + headB[worst]]);
      out[o + K * 2u + k * 2u + 1u] = botI[worst * K + headB[worst]];
      headB[worst]++;
    } else {
      out[o + K * 2u + k * 2u + 1u] = 0xffffffffu;
    }
  }
}
