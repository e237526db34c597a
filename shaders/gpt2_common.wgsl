// Shared declarations for the GPT-2 forward kernels (prepended to each of them).
// Activations are row-major [rows, width] with rows = nSeq * seqLen: row r is position
// r % seqLen of sequence r / seqLen.

struct Run {
  rows: u32,
  seqLen: u32,
  nSeq: u32,
  _pad: u32,
}

// Global linear id for 1-D work dispatched as a 2-D grid (for more than 65535 workgroups).
fn linearId(gid: vec3<u32>, nwg: vec3<u32>, wg: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg;
}
