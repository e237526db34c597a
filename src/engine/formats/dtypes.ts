/** safetensors element types this reader understands, with their sizes in bytes. */
export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

export type Dtype = keyof typeof DTYPE_BYTES;

export function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.hasOwn(DTYPE_BYTES, s);
}

/** Floating-point dtypes that readF32 converts. */
export const FLOAT_DTYPES: readonly Dtype[] = ["F32", "F16", "BF16", "F64"];

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;

/** Exact value of an IEEE 754 binary16 bit pattern (every one is representable in f32). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

function f16Lookup(): Float32Array {
  if (f16Table === undefined) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  return f16Table;
}

/** Little-endian bytes of `dtype` (a float type) to f32. F64 rounds to nearest f32. */
export function decodeFloats(bytes: Uint8Array, dtype: Dtype): Float32Array<ArrayBuffer> {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  switch (dtype) {
    case "F32":
      if (LITTLE_ENDIAN_HOST) {
        new Uint8Array(out.buffer).set(bytes);
      } else {
        for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      }
      return out;
    case "F16": {
      const table = f16Lookup();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(i * 2, true)] as number;
      return out;
    }
    case "BF16": {
      // bf16 is the top half of an f32: widening by 16 zero bits is exact.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    default:
      throw new Error(`decodeFloats: ${dtype} is not a float dtype`);
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** The nearest binary16 bit pattern (round to nearest even; overflow to infinity). */
export function numberToF16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let h: number;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    h = mant >>> shift;
  } else {
    h = (e << 10) | (mant >>> 13);
  }
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > half || (rem === half && (h & 1) === 1)) h++;
  return sign | h;
}

/** The nearest bfloat16 bit pattern (round to nearest even). */
export function numberToBf16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0] as number;
  if (Number.isNaN(v)) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
