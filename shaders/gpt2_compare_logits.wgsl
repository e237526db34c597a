// Per row r (one workgroup each), for two sets of logits a and b [rows, VP] (V used):
// out[r] = (lse_a, ce_a, lse_b, ce_b, kl) where lse = logsumexp, ce = lse - logit[target]
// (0 where target[r] < 0, e.g. a sequence's last position) and kl = KL(softmax a || softmax b).
override V: u32;
override VP: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, WG>;

fn reduceMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let result = red[0];
  workgroupBarrier();
  return result;
}

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let result = red[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= run.rows) { return; }
  let base = r * VP;
  var ma = -3.0e38;
  var mb = -3.0e38;
  for (var v = lid; v < V; v += WG) {
    ma = max(ma, a[base + v]);
    mb = max(mb, b[base + v]);
  }
  ma = reduceMax(ma, lid);
  mb = reduceMax(mb, lid);
  var sa = 0.0;
  var sb = 0.0;
  for (var v = lid; v < V; v += WG) {
    sa += exp(a[base + v] - ma);
    sb += exp(b[base + v] - mb);
  }
  let lseA = ma + log(reduceSum(sa, lid));
  let lseB = mb + log(reduceSum(sb, lid));
  var kl = 0.0;
  for (var v = lid; v < V; v += WG) {
    let la = a[base + v] - lseA;
    kl += exp(la) * (la - (b[base + v] - lseB));
  }
  kl = reduceSum(kl, lid);
  if (lid == 0u) {
    let t = targets[r];
    var ceA = 0.0;
    var ceB = 0.0;
    if (t >= 0) {
      ceA = lseA - a[base + u32(t)];
      ceB = lseB - b[base + u32(t)];
    }
    out[r * 5u] = lseA;
    out[r * 5u + 1u] = ceA;
    out[r * 5u + 2u] = lseB;
    out[r * 5u + 3u] = ceB;
    out[r * 5u + 4u] = kl;
  }
}
