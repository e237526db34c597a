// JumpReLU gradients (SAELens's straight-through estimators), one workgroup per latent i, over
// the rows that mark it (dict_jumprelu_select). With θ = exp(log θ_i), n = ||W_dec[i]||,
// ε = BANDWIDTH, c = sp.l1Coefficient / B (the L0 coefficient), cp = PRE_ACT_COEF / B and
// g = (2/B) resid[b] . W_dec[i] (dL/df; with TANH also + c (1 - t^2) s n, t = tanh(s f n)):
//   mark 1 (fired):   dpre = g;  TANH: dL/dn += c (1 - t^2) s f
//   mark 2 (window):  dL/dθ += -(θ/ε) g,  and the step L0 term's -c/ε (not TANH)
//   mark 4 (pre-act): dpre -= cp n,  dL/dθ += cp n,  dL/dn += cp (θ - pre)
// then dW_dec[i] = sum over fired rows of pre g_b + (dL/dn) W_dec[i] / n and
// dL/dlog θ = θ dL/dθ. Lanes take rows, then vec4 chunks of d_out.
override OFF_THRESHOLD: u32;
override BANDWIDTH: f32;
override TANH: bool;
override TANH_SCALE: f32;
override PRE_ACT_COEF: f32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> colList: array<u32>;
@group(0) @binding(3) var<storage, read> colCount: array<u32>;
@group(0) @binding(4) var<storage, read> pre: array<f32>;
@group(0) @binding(5) var<storage, read> resid4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> norms: array<f32>;
@group(0) @binding(7) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dpre: array<f32>;
@group(0) @binding(9) var<storage, read_write> grads4: array<vec4<f32>>;

const LANES: u32 = 64u;
var<workgroup> partial: array<vec2<f32>, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= dims.Fp) { return; }
  let n = colCount[i];
  let invB = 1.0 / f32(dims.B);
  let twoOverB = 2.0 * invB;
  let c = sp.l1Coefficient * invB;
  let cp = PRE_ACT_COEF * invB;
  let t = OFF_THRESHOLD + i;
  let theta = exp(params4[t / 4u][t % 4u]);
  let norm = norms[i];
  let d4 = dims.dOutP / 4u;
  let w = dims.offWDec / 4u + i * d4;
  // (dL/dθ, dL/dn) of this lane's rows
  var acc = vec2<f32>(0.0);
  for (var k = lid; k < n; k += LANES) {
    let entry = colList[i * dims.B + k];
    let b = entry & ROW_MASK;
    let m = entry >> MARK_SHIFT;
    let p = pre[b * dims.Fp + i];
    var g = 0.0;
    if ((m & 3u) != 0u) {
      var d = vec4<f32>(0.0);
      for (var q = 0u; q < d4; q++) { d += resid4[b * d4 + q] * params4[w + q]; }
      g = twoOverB * (d.x + d.y + d.z + d.w);
    }
    if (TANH) {
      let f = select(0.0, p, (m & 1u) != 0u);
      let t = tanh(TANH_SCALE * f * norm);
      let dt = c * (1.0 - t * t) * TANH_SCALE;
      g += dt * norm;
      acc.y += dt * f;
    } else if ((m & 2u) != 0u) {
      acc.x += -(1.0 / BANDWIDTH) * c;
    }
    var dp = select(0.0, g, (m & 1u) != 0u);
    if ((m & 2u) != 0u) { acc.x += -(theta / BANDWIDTH) * g; }
    if ((m & 4u) != 0u) {
      dp -= cp * norm;
      acc.x += cp * norm;
      acc.y += cp * (theta - p);
    }
    dpre[b * dims.Fp + i] = dp;
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var width = LANES / 2u; width > 0u; width >>= 1u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  let total = partial[0];
  // torch's norm backward is 0 at a zero vector
  var normScale = 0.0;
  if (norm > 0.0) { normScale = total.y / norm; }
  for (var q = lid; q < d4; q += LANES) {
    var dec = vec4<f32>(0.0);
    for (var k = 0u; k < n; k++) {
      let entry = colList[i * dims.B + k];
      if (((entry >> MARK_SHIFT) & 1u) == 0u) { continue; }
      let b = entry & ROW_MASK;
      dec += pre[b * dims.Fp + i] * resid4[b * d4 + q];
    }
    grads4[w + q] = twoOverB * dec + normScale * params4[w + q];
  }
  if (lid == 0u) { grads4[t / 4u][t % 4u] = theta * total.x; }
}
