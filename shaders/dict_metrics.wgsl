// Batch metrics, read back only on logging steps, in two barrier-free stages.
// `partial`: invocation t covers target column t, batch row t and latent t;
// `finish` sums them into
//   out[0] sum_b sum_d resid^2, out[1] sum_b rowSums[b] (the sparsity term: L1, or JumpReLU's
//   tanh sum), out[2] sum_b l0, out[3] sum_b sum_d (y - mean_b y)^2, out[4] latents dead for
//   more than the window, out[5] sum_b rowSums[B + b] (AuxK's or the pre-activation term).
// A micro-batched step runs both stages after each micro-batch: the sums add up, and each
// column's mean and centred sum of squares are merged (Chan et al.) in colStats, so out[3] is
// the whole batch's, as if it had not been split.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> resid: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> rowSums: array<f32>;
@group(0) @binding(5) var<storage, read> rowCount: array<u32>;
@group(0) @binding(6) var<storage, read> firing: array<u32>;
@group(0) @binding(7) var<storage, read_write> partials: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
@group(0) @binding(9) var<uniform> micro: Micro;
@group(0) @binding(10) var<storage, read_write> colStats: array<vec2<f32>>;

fn span() -> u32 {
  return max(max(dims.dOut, dims.B), dims.F);
}

@compute @workgroup_size(64)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= span()) { return; }
  var acc = vec4<f32>(0.0);
  if (t < dims.dOut) {
    var sy = 0.0;
    for (var b = 0u; b < dims.B; b++) {
      let r = resid[b * dims.dOutP + t];
      acc.x += r * r;
      sy += y[b * dims.dOut + t] * sp.sOut;
    }
    let mean = sy / f32(dims.B);
    var m2 = 0.0;
    for (var b = 0u; b < dims.B; b++) {
      let c = y[b * dims.dOut + t] * sp.sOut - mean;
      m2 += c * c;
    }
    if (micro.index == 0u) {
      colStats[t] = vec2<f32>(mean, m2);
      acc.w = m2;
    } else {
      let seen = f32(micro.index * dims.B);
      let n = f32(dims.B);
      let prior = colStats[t];
      let delta = mean - prior.x;
      let merged = vec2<f32>(
        prior.x + delta * n / (seen + n),
        prior.y + m2 + delta * delta * seen * n / (seen + n),
      );
      colStats[t] = merged;
      acc.w = merged.y;
    }
  }
  if (t < dims.B) {
    acc.y = rowSums[t];
    acc.z = f32(rowCount[t]);
  }
  partials[2u * t] = acc;
  var dead = 0.0;
  if (t < dims.F && f32(firing[t]) > sp.deadWindow) { dead = 1.0; }
  var extra = 0.0;
  if (t < dims.B) { extra = rowSums[dims.B + t]; }
  partials[2u * t + 1u] = vec4<f32>(dead, extra, 0.0, 0.0);
}

@compute @workgroup_size(1)
fn finish() {
  var total = vec4<f32>(0.0);
  var second = vec4<f32>(0.0);
  for (var t = 0u; t < span(); t++) {
    total += partials[2u * t];
    second += partials[2u * t + 1u];
  }
  var before = array<f32, 3>(0.0, 0.0, 0.0);
  var extraBefore = 0.0;
  if (micro.index > 0u) {
    before = array<f32, 3>(out[0], out[1], out[2]);
    extraBefore = out[5];
  }
  out[0] = before[0] + total.x;
  out[1] = before[1] + total.y;
  out[2] = before[2] + total.z;
  out[3] = total.w;
  out[4] = second.x;
  out[5] = extraBefore + second.y;
}
