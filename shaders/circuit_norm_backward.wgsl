// Backward through a LayerNorm with a frozen scale, for a batch of target rows (attribution):
// out[r] = residual[r] + (x[r] − mean(x[r])) · invScales[site.scaleRow · P + p],
// x[r] = input[r] + (batch row b's target row if it is injected here, at this position),
// Rows are position-major, r = p · nb + b (nb = run.nSeq batch rows), for positions
// p < run.rows / nb. residual and input are read only when the site says so (else zero).
// One invocation per row, looping over d twice (the mean, then the output).
override D4: u32;

struct Site {
  injectLayer: i32,  // inject batch row b's target when its layer is this one (−1: none)
  scaleRow: u32,
  hasResidual: u32,
  hasInput: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> site: Site;
@group(0) @binding(2) var<storage, read> residual4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> input4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> invScales: array<f32>;
@group(0) @binding(5) var<storage, read> targetSites: array<vec2<i32>>; // (layer, pos) per batch row
@group(0) @binding(6) var<storage, read> targetRows4: array<vec4<f32>>;  // [batch rows, d]
@group(0) @binding(7) var<storage, read_write> out4: array<vec4<f32>>;

fn inputAt(r: u32, injected: bool, b: u32, k4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  if (site.hasInput != 0u) { x = input4[r * D4 + k4]; }
  if (injected) { x += targetRows4[b * D4 + k4]; }
  return x;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = linearId(gid, nwg, 64u);
  if (r >= run.rows) { return; }
  let b = r % run.nSeq;
  let p = r / run.nSeq;
  let rowSite = targetSites[b];
  let injected = rowSite.x == site.injectLayer && u32(rowSite.y) == p;
  var sum = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < D4; k4++) { sum += inputAt(r, injected, b, k4); }
  let mean = (sum.x + sum.y + sum.z + sum.w) / f32(4u * D4);
  let inv = invScales[site.scaleRow * run.seqLen + p];
  for (var k4 = 0u; k4 < D4; k4++) {
    var v = (inputAt(r, injected, b, k4) - mean) * inv;
    if (site.hasResidual != 0u) { v += residual4[r * D4 + k4]; }
    out4[r * D4 + k4] = v;
  }
}
