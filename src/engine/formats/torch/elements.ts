/** Strided views over little-endian element bytes, read out in row-major order. */
import { decodeFloats, DTYPE_BYTES, f16BitsToNumber, type Dtype } from "../dtypes.ts";

export interface StridedLayout {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** In elements; may be 0 (a broadcast dimension), never negative. */
  readonly stride: readonly number[];
  /** First element, in elements from the start of the storage. */
  readonly offset: number;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d] as number;
  }
  return stride;
}

export function columnMajorStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = 0; d < shape.length; d++) {
    stride[d] = s;
    s *= shape[d] as number;
  }
  return stride;
}

/** The storage elements [start, end) that a view touches; empty for an empty view. */
export function viewSpan(layout: Omit<StridedLayout, "dtype">): { start: number; end: number } {
  const { shape, stride, offset } = layout;
  if (elementCount(shape) === 0) return { start: offset, end: offset };
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += ((shape[d] as number) - 1) * (stride[d] as number);
  return { start: offset, end: last + 1 };
}

/** `bytes` holds the view's span (viewSpan) of storage elements. Float dtypes only. */
export function readViewF32(bytes: Uint8Array, layout: StridedLayout): Float32Array<ArrayBuffer> {
  const src = decodeFloats(bytes, layout.dtype);
  return isDense(layout, src.length)
    ? src
    : gather(src, layout, new Float32Array(elementCount(layout.shape)));
}

/**
 * Every dtype as exact numbers (bool as 0/1). An int64 value beyond ±2^53 cannot be one:
 * `tooLarge` reports it.
 */
export function readViewNumbers(
  bytes: Uint8Array,
  layout: StridedLayout,
  tooLarge: (value: bigint) => never,
): Float64Array<ArrayBuffer> {
  const src = decodeNumbers(bytes, layout.dtype, tooLarge);
  return isDense(layout, src.length)
    ? src
    : gather(src, layout, new Float64Array(elementCount(layout.shape)));
}

const bf16Value = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16Value.buffer);

function decodeNumbers(
  bytes: Uint8Array,
  dtype: Dtype,
  tooLarge: (value: bigint) => never,
): Float64Array<ArrayBuffer> {
  const size = DTYPE_BYTES[dtype];
  const n = bytes.byteLength / size;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < n; i++) {
    const at = i * size;
    switch (dtype) {
      case "F64":
        out[i] = v.getFloat64(at, true);
        break;
      case "F32":
        out[i] = v.getFloat32(at, true);
        break;
      case "F16":
        out[i] = f16BitsToNumber(v.getUint16(at, true));
        break;
      case "BF16":
        bf16Bits[0] = v.getUint16(at, true) << 16;
        out[i] = bf16Value[0] as number;
        break;
      case "I64": {
        const x = v.getBigInt64(at, true);
        out[i] = x > limit || x < -limit ? tooLarge(x) : Number(x);
        break;
      }
      case "I32":
        out[i] = v.getInt32(at, true);
        break;
      case "I16":
        out[i] = v.getInt16(at, true);
        break;
      case "I8":
        out[i] = v.getInt8(at);
        break;
      case "U8":
      case "BOOL":
        out[i] = v.getUint8(at);
        break;
    }
  }
  return out;
}

/** Whether the `spanLength` elements of the view's span are the view, in row-major order. */
function isDense(layout: StridedLayout, spanLength: number): boolean {
  const { shape, stride } = layout;
  return (
    spanLength === elementCount(shape) &&
    rowMajorStrides(shape).every((s, d) => s === stride[d] || shape[d] === 1)
  );
}

/** Copies the view's elements from `src` (which starts at its span's first element). */
function gather<T extends Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(
  src: T,
  layout: StridedLayout,
  out: T,
): T {
  const { shape, stride } = layout;
  const rank = shape.length;
  // Empty views end here; 0-d ones are always dense and never get here.
  if (out.length === 0) return out;
  const inner = shape[rank - 1] as number;
  const innerStride = stride[rank - 1] as number;
  const index = new Array<number>(rank).fill(0);
  let pos = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let i = 0, p = pos; i < inner; i++, p += innerStride) out[o + i] = src[p] as number;
    // Advance the outer dimensions like an odometer.
    for (let d = rank - 2; d >= 0; d--) {
      pos += stride[d] as number;
      const next = (index[d] as number) + 1;
      index[d] = next;
      if (next < (shape[d] as number)) break;
      pos -= (shape[d] as number) * (stride[d] as number);
      index[d] = 0;
    }
  }
  return out;
}
