enable subgroups;
// dict_matmul_at (same bindings, constants and epilogues) split along the batch, for weight
// gradients with few outputs and a long batch (a skip connection's): a workgroup of 64
// invocations computes 8 rows x 4 columns of out, each invocation summing every 64th batch row,
// then the partial sums are reduced with subgroupAdd and across the workgroup's subgroups
// through workgroup memory (any subgroup size from 4 up).
override A4: u32;
override G4: u32;
override OFF_OUT4: u32;
override DECODER: bool;
override OFF_BIAS4: u32;
override SKIP_GRAD: bool = false;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> norms: array<f32>;
@group(0) @binding(6) var<storage, read_write> grads4: array<vec4<f32>>;

const WG_SIZE: u32 = 64u;
const ROWS: u32 = 8u;
// Per subgroup: 8 rows, then the sums of A (2 vec4) and of G.
const SLOT: u32 = ROWS + 3u;
const MAX_SUBGROUPS: u32 = 16u; // WG_SIZE / the smallest subgroup size (4)
var<workgroup> subgroupCount: atomic<u32>;
var<workgroup> partial: array<vec4<f32>, MAX_SUBGROUPS * SLOT>;

fn loadA(b: u32, q: u32) -> vec4<f32> {
  if (q >= A4) { return vec4<f32>(0.0); }
  let v = a4[b * A4 + q];
  if (DECODER) { return max(v, vec4<f32>(0.0)); }
  return v;
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let c = wid.x;
  let r0 = wid.y * ROWS;
  let q0 = r0 / 4u;
  if (li == 0u) { atomicStore(&subgroupCount, 0u); }
  workgroupBarrier();
  var acc: array<vec4<f32>, SLOT>;
  for (var i = 0u; i < SLOT; i++) { acc[i] = vec4<f32>(0.0); }
  for (var b0 = 0u; b0 < dims.B; b0 += WG_SIZE) {
    let b = b0 + li;
    if (b < dims.B) {
      let x0 = loadA(b, q0);
      let x1 = loadA(b, q0 + 1u);
      let g = g4[b * G4 + c];
      acc[0] += x0.x * g;
      acc[1] += x0.y * g;
      acc[2] += x0.z * g;
      acc[3] += x0.w * g;
      acc[4] += x1.x * g;
      acc[5] += x1.y * g;
      acc[6] += x1.z * g;
      acc[7] += x1.w * g;
      acc[8] += x0;
      acc[9] += x1;
      acc[10] += g;
    }
  }
  var total: array<vec4<f32>, SLOT>;
  for (var i = 0u; i < SLOT; i++) { total[i] = subgroupAdd(acc[i]); }
  if (lane == 0u) {
    let slot = atomicAdd(&subgroupCount, 1u);
    for (var i = 0u; i < SLOT; i++) { partial[slot * SLOT + i] = total[i]; }
  }
  workgroupBarrier();
  let slots = atomicLoad(&subgroupCount);
  if (li >= SLOT) { return; }
  var v = vec4<f32>(0.0);
  for (var s = 0u; s < slots; s++) { v += partial[s * SLOT + li]; }
  // Invocations 0..7 hold rows, 8 and 9 the sums of A, 10 the sum of G.
  if (li == 10u) {
    if (!DECODER && !SKIP_GRAD && wid.y == 0u) { grads4[OFF_BIAS4 + c] = v; }
    return;
  }
  if (li >= ROWS) { return; }
  let row = r0 + li;
  if (row >= 4u * A4) { return; }
  let invB = 1.0 / f32(dims.B);
  if (DECODER) {
    var sums = vec4<f32>(0.0);
    for (var s = 0u; s < slots; s++) { sums += partial[s * SLOT + ROWS + li / 4u]; }
    let sumF = sums[li % 4u];
    v = 2.0 * invB * v;
    // torch's norm backward is 0 at a zero vector
    if (sumF > 0.0 && norms[row] > 0.0) {
      v += sp.l1Coefficient * invB * sumF / norms[row] * params4[dims.offWDec / 4u + row * G4 + c];
    }
  }
  if (SKIP_GRAD) { v = 2.0 * invB * v; }
  grads4[OFF_OUT4 + row * G4 + c] = v;
}
