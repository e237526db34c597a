// z[r, c] = sum_{k <= q} pattern[s, h, q, k] * v[s * T + k, c] with h = c / DH (r = s * T + q),
// one invocation per 4 consecutive output columns (D is a multiple of 4): each pattern value
// read serves 4 columns when they share a head (DH a multiple of 4).
override D: u32;
override H: u32;
override DH: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> qkv4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pattern: array<f32>;
@group(0) @binding(3) var<storage, read_write> z4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let D4 = D / 4u;
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * D4) { return; }
  let T = run.seqLen;
  let r = e / D4;
  let c4 = e % D4;
  let s = r / T;
  let q = r % T;
  // v of token k, columns 4 c4 .. 4 c4 + 3: qkv row k is 3 D floats, v starts at 2 D.
  let vBase = s * T * 3u * D4 + 2u * D4 + c4;
  var acc = vec4<f32>(0.0);
  if (DH % 4u == 0u) {
    let p = ((s * H + (4u * c4) / DH) * T + q) * T;
    for (var k = 0u; k <= q; k++) {
      acc += pattern[p + k] * qkv4[vBase + k * 3u * D4];
    }
  } else {
    var p: vec4<u32>;
    for (var j = 0u; j < 4u; j++) { p[j] = ((s * H + (4u * c4 + j) / DH) * T + q) * T; }
    for (var k = 0u; k <= q; k++) {
      let w = vec4<f32>(pattern[p.x + k], pattern[p.y + k], pattern[p.z + k], pattern[p.w + k]);
      acc += w * qkv4[vBase + k * 3u * D4];
    }
  }
  z4[e] = acc;
}
