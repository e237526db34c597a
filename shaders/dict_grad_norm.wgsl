// Global-norm clipping to 1.0, as torch.nn.utils.clip_grad_norm_, in two stages without
// workgroup barriers: `partial` sums squares over strided slices, `finish` adds the slices
// and leaves min(1, 1 / (||g|| + 1e-6)) on the GPU for the Adam kernel.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
@group(0) @binding(3) var<storage, read_write> clip: array<f32>;

const SLICES: u32 = 1024u;

@compute @workgroup_size(64)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= SLICES) { return; }
  var s = 0.0;
  for (var e = t; e < dims.total; e += SLICES) {
    let g = grads[e];
    s += g * g;
  }
  partials[t] = s;
}

@compute @workgroup_size(1)
fn finish() {
  var s = 0.0;
  for (var t = 0u; t < SLICES; t++) { s += partials[t]; }
  let norm = sqrt(s);
  clip[0] = min(1.0, 1.0 / (norm + 1e-6));
  clip[1] = norm;
}
