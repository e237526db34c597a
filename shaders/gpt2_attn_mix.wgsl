// z[r, h * DH + i] = sum_{k <= q} pattern[s, h, q, k] * v[s * T + k, h * DH + i], one invocation
// per output entry (r = s * T + q).
override D: u32;
override H: u32;
override DH: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> pattern: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * D) { return; }
  let T = run.seqLen;
  let r = e / D;
  let c = e % D;
  let h = c / DH;
  let s = r / T;
  let q = r % T;
  let p = ((s * H + h) * T + q) * T;
  var acc = 0.0;
  for (var k = 0u; k <= q; k++) {
    acc += pattern[p + k] * qkv[(s * T + k) * 3u * D + 2u * D + c];
  }
  z[e] = acc;
}
