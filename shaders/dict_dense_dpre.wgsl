// Dense path for high L0: dpre[b, i] = (2/B) resid[b, :] . W_dec[i, :] + (l1/B) ||W_dec[i]||
// where pre[b, i] > 0, else 0, for every (b, i). Each invocation computes ROWS rows x 4
// latents with vec4 dot products over d_out.
override D4: u32; // dOutP / 4
override F4: u32; // Fp / 4

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> resid4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> norms4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> pre4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dpre4: array<vec4<f32>>;

const ROWS: u32 = 8u;

@compute @workgroup_size(16, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r0 = gid.y * ROWS;
  if (c >= F4 || r0 >= dims.B) { return; }
  var acc: array<vec4<f32>, ROWS>;
  var rows: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    acc[r] = vec4<f32>(0.0);
    rows[r] = min(r0 + r, dims.B - 1u);
  }
  let w = dims.offWDec / 4u + 4u * c * D4;
  for (var d4 = 0u; d4 < D4; d4++) {
    let w0 = params4[w + d4];
    let w1 = params4[w + D4 + d4];
    let w2 = params4[w + 2u * D4 + d4];
    let w3 = params4[w + 3u * D4 + d4];
    for (var r = 0u; r < ROWS; r++) {
      let g = resid4[rows[r] * D4 + d4];
      acc[r] += vec4<f32>(dot(g, w0), dot(g, w1), dot(g, w2), dot(g, w3));
    }
  }
  let invB = 1.0 / f32(dims.B);
  let l1 = sp.l1Coefficient * invB * norms4[c];
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= dims.B) { break; }
    let fired = pre4[row * F4 + c] > vec4<f32>(0.0);
    dpre4[row * F4 + c] = select(vec4<f32>(0.0), 2.0 * invB * acc[r] + l1, fired);
  }
}
