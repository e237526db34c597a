// The value gradient through frozen attention patterns, for a batch of target rows:
// gV[q · nb + b, j] = Σ_{q ≤ p < pActive} A[h(j), p, q] · gZ[p · nb + b, j], h(j) = j / DH,
// rows position-major (nb = run.nSeq batch rows, pActive = run.rows / nb: the gradient is zero
// past the pass's last target position), patternT[h, q, p] = A[h, p, q] for P = run.seqLen
// (transposed so the loop over p reads consecutive values).
// One invocation per 4 consecutive columns; a pattern value serves all 4 when DH % 4 == 0.
override D: u32;
override DH: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> gZ4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> patternT: array<f32>;
@group(0) @binding(3) var<storage, read_write> gV4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let D4 = D / 4u;
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * D4) { return; }
  let P = run.seqLen;
  let nb = run.nSeq;
  let pActive = run.rows / nb;
  let r = e / D4;
  let c4 = e % D4;
  let b = r % nb;
  let q = r / nb;
  let zBase = b * D4 + c4;
  let zStride = nb * D4;
  var acc = vec4<f32>(0.0);
  if (DH % 4u == 0u) {
    let a = ((4u * c4) / DH * P + q) * P;
    for (var p = q; p < pActive; p++) { acc += patternT[a + p] * gZ4[zBase + p * zStride]; }
  } else {
    var a: vec4<u32>;
    for (var i = 0u; i < 4u; i++) { a[i] = ((4u * c4 + i) / DH * P + q) * P; }
    for (var p = q; p < pActive; p++) {
      let w = vec4<f32>(patternT[a.x + p], patternT[a.y + p], patternT[a.z + p], patternT[a.w + p]);
      acc += w * gZ4[zBase + p * zStride];
    }
  }
  gV4[e] = acc;
}
