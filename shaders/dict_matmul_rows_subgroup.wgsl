enable subgroups;
// dict_matmul_rows (same bindings, constants and epilogues) split along K, for products with few
// outputs and a long K: a workgroup of 64 invocations computes 4 rows x 4 columns of out, each
// invocation summing every 64th vec4 of K, then the partial sums are reduced with subgroupAdd
// and across the workgroup's subgroups through workgroup memory (any subgroup size from 4 up).
override K4: u32;
override N4: u32;
override OFF_W4: u32;
override OFF_BIAS4: u32;
override RELU_A: bool;
override SUB_Y: bool;
override Y_WIDTH: u32;
override BIAS: bool = true;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> out4: array<vec4<f32>>;

const WG_SIZE: u32 = 64u;
const ROWS: u32 = 4u;
const MAX_SUBGROUPS: u32 = 16u; // WG_SIZE / the smallest subgroup size (4)
var<workgroup> subgroupCount: atomic<u32>;
var<workgroup> partial: array<vec4<f32>, MAX_SUBGROUPS * ROWS>;

fn loadA(row: u32, k4: u32) -> vec4<f32> {
  if (row >= dims.B) { return vec4<f32>(0.0); }
  let v = a4[row * K4 + k4];
  if (RELU_A) { return max(v, vec4<f32>(0.0)); }
  return v;
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let c4 = wid.x;
  let r0 = wid.y * ROWS;
  if (li == 0u) { atomicStore(&subgroupCount, 0u); }
  workgroupBarrier();
  var acc: array<vec4<f32>, ROWS>;
  for (var r = 0u; r < ROWS; r++) { acc[r] = vec4<f32>(0.0); }
  for (var k = 0u; k < K4; k += WG_SIZE) {
    let k4 = k + li;
    if (k4 < K4) {
      let w = OFF_W4 + 4u * k4 * N4 + c4;
      let w0 = params4[w];
      let w1 = params4[w + N4];
      let w2 = params4[w + 2u * N4];
      let w3 = params4[w + 3u * N4];
      for (var r = 0u; r < ROWS; r++) {
        let x = loadA(r0 + r, k4);
        acc[r] += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3;
      }
    }
  }
  var total: array<vec4<f32>, ROWS>;
  for (var r = 0u; r < ROWS; r++) { total[r] = subgroupAdd(acc[r]); }
  if (lane == 0u) {
    let slot = atomicAdd(&subgroupCount, 1u);
    for (var r = 0u; r < ROWS; r++) { partial[slot * ROWS + r] = total[r]; }
  }
  workgroupBarrier();
  let slots = atomicLoad(&subgroupCount);
  if (li >= ROWS) { return; }
  let row = r0 + li;
  if (row >= dims.B) { return; }
  var v = vec4<f32>(0.0);
  if (BIAS) { v = params4[OFF_BIAS4 + c4]; }
  for (var s = 0u; s < slots; s++) { v += partial[s * ROWS + li]; }
  if (ACCUMULATE) { v += out4[row * N4 + c4]; }
  if (SUB_Y) {
    for (var q = 0u; q < 4u; q++) {
      let col = 4u * c4 + q;
      if (col < Y_WIDTH) { v[q] -= y[row * Y_WIDTH + col] * sp.sOut; } else { v[q] = 0.0; }
    }
  }
  out4[row * N4 + c4] = v;
}
