// Causal attention pattern, one invocation per (sequence, head, query position):
// pattern[s, h, q, k] = softmax_k(q . k / sqrt(d_head)) over k <= q, 0 for k > q.
// qkv is [rows, 3D]: q | k | v, each head-major (head * DH + i).
override D: u32;
override H: u32;
override DH: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> qkv4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> pattern: array<f32>;

// q . k for rows starting at float offsets a and b (multiples of 4 when DH is).
fn dotHead(a: u32, b: u32) -> f32 {
  var acc = 0.0;
  if (DH % 4u == 0u) {
    for (var i = 0u; i < DH / 4u; i++) { acc += dot(qkv4[a / 4u + i], qkv4[b / 4u + i]); }
  } else {
    for (var i = 0u; i < DH; i++) {
      acc += qkv4[(a + i) / 4u][(a + i) % 4u] * qkv4[(b + i) / 4u][(b + i) % 4u];
    }
  }
  return acc;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = linearId(gid, nwg, 64u);
  let T = run.seqLen;
  if (id >= run.nSeq * H * T) { return; }
  let q = id % T;
  let h = (id / T) % H;
  let s = id / (T * H);
  let scale = 1.0 / sqrt(f32(DH));
  let qBase = (s * T + q) * 3u * D + h * DH;
  let out = id * T;
  var m = -3.0e38;
  for (var k = 0u; k <= q; k++) {
    let kBase = (s * T + k) * 3u * D + D + h * DH;
    let score = dotHead(qBase, kBase) * scale;
    pattern[out + k] = score;
    m = max(m, score);
  }
  var sum = 0.0;
  for (var k = 0u; k <= q; k++) {
    let e = exp(pattern[out + k] - m);
    pattern[out + k] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var k = 0u; k < T; k++) {
    if (k <= q) { pattern[out + k] *= inv; } else { pattern[out + k] = 0.0; }
  }
}
