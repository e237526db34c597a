// TopK per row, in place (inference). Of the first N values of each row (rows STRIDE floats
// apart), keep the K largest, ties broken by the lower index, and write 0 over the others
// (columns N and up are not touched); with RELU != 0 the kept values are also clamped at 0.
// indices[row * K + t] lists the K kept columns in increasing order. The selection is
// topk_select.wgsl's radix select (prepended).
//
// Binding 0 is any uniform whose first u32 is the row count; rows above 65535 take a 2-D grid.
override N: u32;
override STRIDE: u32;
override K: u32;
override RELU: u32;

struct TopkRows {
  rows: u32,
}

@group(0) @binding(0) var<uniform> shape: TopkRows;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;

fn rowKey(row: u32, j: u32) -> u32 {
  return orderedKey(values[row * STRIDE + j]);
}

fn keepEntry(row: u32, j: u32, slot: u32) {
  indices[row * K + slot] = j;
  let v = values[row * STRIDE + j];
  values[row * STRIDE + j] = select(v, max(v, 0.0), RELU != 0u);
}

fn dropEntry(row: u32, j: u32) {
  values[row * STRIDE + j] = 0.0;
}

@compute @workgroup_size(SELECT_WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  _ = emitRow(lid, row, N, selectRow(lid, row, N, K));
}
