// The dead latents SAELens masks before each forward pass: more than dead_feature_window steps
// since the latent fired (firing[j], before this step's update). One workgroup; archState gets
// [0] the number dead D, [1] AuxK's k_aux = min(⌊d_out/2⌋, D), [2] AuxK's scale
// min(D/⌊d_out/2⌋, 1) as f32 bits.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> firing: array<u32>;
@group(0) @binding(3) var<storage, read_write> deadMask: array<u32>;
@group(0) @binding(4) var<storage, read_write> archState: array<u32>;

var<workgroup> deadCount: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { atomicStore(&deadCount, 0u); }
  workgroupBarrier();
  var c = 0u;
  for (var j = lid; j < dims.Fp; j += 256u) {
    let dead = j < dims.F && f32(firing[j]) > sp.deadWindow;
    deadMask[j] = u32(dead);
    c += u32(dead);
  }
  atomicAdd(&deadCount, c);
  workgroupBarrier();
  if (lid == 0u) {
    let d = atomicLoad(&deadCount);
    let halfOut = dims.dOut / 2u;
    archState[0] = d;
    archState[1] = min(halfOut, d);
    archState[2] = bitcast<u32>(min(f32(d) / f32(halfOut), 1.0));
  }
}
