// Shared declarations for the dictionary training kernels (prepended to each of them).
// Parameters, gradients and Adam moments share one flat layout:
//   W_enc [dInP, Fp] | b_enc [Fp] | W_dec [Fp, dOutP] | b_dec [dOutP]
// where dInP, Fp and dOutP are d_in, d_sae and d_out rounded up to multiples of 4 (so that
// kernels read vec4s); padding entries are zero and stay zero. x' is [B, dInP] and the
// residual [B, dOutP], also zero-padded; the raw batch x [B, dIn] and y [B, dOut] are not.

struct Dims {
  B: u32,
  dIn: u32,
  dOut: u32,
  F: u32,
  Fp: u32,
  offWEnc: u32,
  offBEnc: u32,
  offWDec: u32,
  offBDec: u32,
  total: u32,
  applyBDec: u32,
  dInP: u32,
  dOutP: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

struct StepParams {
  l1Coefficient: f32,
  sIn: f32,
  sOut: f32,
  // Adam, precomputed in float64 on the host as PyTorch does:
  // stepSize = lr / (1 - beta1^t), bc2Sqrt = sqrt(1 - beta2^t)
  stepSize: f32,
  bc2Sqrt: f32,
  deadWindow: f32,
  _pad0: f32,
  _pad1: f32,
}

// Which micro-batch of the step this is, when the batch is split so that its [B, d_sae]
// buffers fit the adapter's binding size (dims.B is then the micro-batch's rows).
struct Micro {
  index: u32,
  count: u32,
  _pad0: u32,
  _pad1: u32,
}

const WG: u32 = 64u;

// Global linear id for 1-D work dispatched as a 2-D grid (for more than 65535 workgroups).
fn linearId(gid: vec3<u32>, nwg: vec3<u32>, wg: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg;
}

// Column lists of the TopK and JumpReLU steps (dict_mark_cols) hold row | mark << MARK_SHIFT.
const MARK_SHIFT: u32 = 28u;
const ROW_MASK: u32 = 0x0fffffffu;
