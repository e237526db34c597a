// Adjacency entries of one chunk of sources (one slot) for a batch of target rows:
// out[b, j] = Σ_c vectors[j, c] · G[tilePos[j / 4] · nb + b, c], G the gradient at the slot,
// rows position-major (nb = run.nSeq batch rows). G holds run.rows / nb positions: past them
// the gradient is zero, and so is the entry.
// Sources come in tiles of 4 that share a position (padded with zero vectors), so each
// invocation computes 4 sources × ROWS batch rows and every G load serves 4 sources.
override D4: u32;

struct Chunk {
  tiles: u32,
}

@group(0) @binding(0) var<uniform> run: Run;          // run.nSeq: batch rows in this pass
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> vectors4: array<vec4<f32>>; // [tiles · 4, d]
@group(0) @binding(4) var<storage, read> tilePos: array<u32>;
@group(0) @binding(5) var<storage, read_write> out4: array<vec4<f32>>; // [batch rows, tiles]

const ROWS: u32 = 8u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  let b0 = gid.y * ROWS;
  if (t >= chunk.tiles || b0 >= run.nSeq) { return; }
  let pos = tilePos[t];
  var gBase: array<u32, ROWS>;
  var acc: array<vec4<f32>, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    gBase[r] = (pos * run.nSeq + min(b0 + r, run.nSeq - 1u)) * D4;
    acc[r] = vec4<f32>(0.0);
  }
  let vBase = 4u * t * D4;
  let k4End = select(0u, D4, pos < run.rows / run.nSeq);
  for (var k4 = 0u; k4 < k4End; k4++) {
    let s0 = vectors4[vBase + k4];
    let s1 = vectors4[vBase + D4 + k4];
    let s2 = vectors4[vBase + 2u * D4 + k4];
    let s3 = vectors4[vBase + 3u * D4 + k4];
    for (var r = 0u; r < ROWS; r++) {
      let g = g4[gBase[r] + k4];
      acc[r] += vec4<f32>(dot(s0, g), dot(s1, g), dot(s2, g), dot(s3, g));
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let b = b0 + r;
    if (b >= run.nSeq) { break; }
    out4[b * chunk.tiles + t] = acc[r];
  }
}
