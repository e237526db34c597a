import { LITTLE_ENDIAN_HOST, numberToBf16Bits, numberToF16Bits } from "./dtypes.ts";

export interface TensorToWrite {
  name: string;
  /** F16 and BF16 take f32 data and round it to nearest even. */
  dtype: "F32" | "F16" | "BF16" | "I32";
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/**
 * A complete safetensors file: tensors laid out in the given order, little-endian,
 * the JSON header padded with spaces to a multiple of 8 bytes as the reference
 * implementation does. Throws on inconsistent input (a programming error).
 */
export function writeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata?: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const entries: string[] = [];
  if (metadata !== undefined) entries.push(`"__metadata__":${JSON.stringify(metadata)}`);
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    checkTensor(t, names);
    const end = offset + byteLength(t);
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  // Built by hand so the header lists tensors in the given order, even names like "0".
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const t of tensors) {
    if (t.dtype === "F16" || t.dtype === "BF16") {
      const view = new DataView(out.buffer, pos, byteLength(t));
      const encode = t.dtype === "F16" ? numberToF16Bits : numberToBf16Bits;
      for (let i = 0; i < t.data.length; i++)
        view.setUint16(i * 2, encode(t.data[i] as number), true);
    } else {
      writeLittleEndian(out, pos, t.data);
    }
    pos += byteLength(t);
  }
  return out;
}

function checkTensor(t: TensorToWrite, names: Set<string>): void {
  if (t.name === "__metadata__" || names.has(t.name)) {
    throw new Error(
      `writeSafetensors: duplicate or reserved tensor name ${JSON.stringify(t.name)}`,
    );
  }
  names.add(t.name);
  const wantArray = t.dtype === "I32" ? Int32Array : Float32Array;
  if (!(t.data instanceof wantArray)) {
    throw new Error(
      `writeSafetensors: tensor "${t.name}" is ${t.dtype} but data is not a ${wantArray.name}`,
    );
  }
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(
      `writeSafetensors: tensor "${t.name}" has invalid shape [${t.shape.join(", ")}]`,
    );
  }
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(
      `writeSafetensors: tensor "${t.name}" has shape [${t.shape.join(", ")}] (${count} values) but ${t.data.length} values`,
    );
  }
}

function writeLittleEndian(out: Uint8Array, pos: number, data: Float32Array | Int32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  const view = new DataView(out.buffer, pos, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i] as number, true);
    else view.setInt32(i * 4, data[i] as number, true);
  }
}

function byteLength(t: TensorToWrite): number {
  return t.dtype === "F16" || t.dtype === "BF16" ? t.data.length * 2 : t.data.byteLength;
}
