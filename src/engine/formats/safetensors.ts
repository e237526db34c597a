import type { ByteSource } from "./byteSource.ts";
import { decodeFloats, DTYPE_BYTES, FLOAT_DTYPES, LITTLE_ENDIAN_HOST } from "./dtypes.ts";
import { FormatError, listNames } from "./formatError.ts";
import { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from "./safetensorsHeader.ts";

export type { TensorInfo } from "./safetensorsHeader.ts";
export type { Dtype } from "./dtypes.ts";
export { FormatError } from "./formatError.ts";
export { writeSafetensors, type TensorToWrite } from "./safetensorsWrite.ts";
export { assertFinite } from "./assertFinite.ts";

/**
 * A validated safetensors file whose tensor bytes stay in the ByteSource until read.
 * Only the header has been read when openSafetensors resolves.
 */
export class SafetensorsFile {
  readonly name: string;

  constructor(
    private readonly src: ByteSource,
    readonly metadata: Readonly<Record<string, string>>,
    /** In file order. */
    readonly tensors: ReadonlyMap<string, TensorInfo>,
  ) {
    this.name = src.name;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (info === undefined) {
      throw new FormatError(
        this.name,
        `missing tensor ${JSON.stringify(name)}; the file has ${listNames([...this.tensors.keys()])}`,
      );
    }
    return info;
  }

  /**
   * Checks the rank and the fixed dimensions (null = any) and returns the shape.
   * `description` names the dimensions, e.g. "[N, d_in]".
   */
  expectShape(name: string, expected: readonly (number | null)[], description: string): number[] {
    const shape = [...this.info(name).shape];
    const found = `found shape [${shape.join(", ")}]`;
    if (shape.length !== expected.length) {
      throw new FormatError(
        this.name,
        `expected ${expected.length} dimension${expected.length === 1 ? "" : "s"} ${description}, ${found}`,
        name,
      );
    }
    const bad = expected.findIndex((d, i) => d !== null && d !== shape[i]);
    if (bad >= 0) {
      const want = expected.map((d) => (d === null ? "*" : String(d))).join(", ");
      throw new FormatError(
        this.name,
        `expected shape ${description} = [${want}], ${found} ` +
          `(dimension ${bad} is ${shape[bad]}, expected ${expected[bad]})`,
        name,
      );
    }
    return shape;
  }

  /**
   * Rows [rowStart, rowStart + rowCount) along dimension 0 as f32, reading only their
   * bytes. F16 and BF16 convert exactly; F64 rounds to the nearest f32.
   */
  async readF32(name: string, rowStart = 0, rowCount?: number): Promise<Float32Array<ArrayBuffer>> {
    const info = this.info(name);
    if (!FLOAT_DTYPES.includes(info.dtype)) {
      throw new FormatError(
        this.name,
        `dtype is ${info.dtype}; expected a float tensor (${FLOAT_DTYPES.join(", ")})`,
        name,
      );
    }
    const { offset, length } = this.rowRange(info, rowStart, rowCount);
    const bytes = await this.readExact(info, offset, length);
    return decodeFloats(bytes, info.dtype);
  }

  /** The whole tensor as int32; I64 values must fit in int32. */
  async readI32(name: string): Promise<Int32Array<ArrayBuffer>> {
    const info = this.info(name);
    if (info.dtype !== "I32" && info.dtype !== "I64") {
      throw new FormatError(
        this.name,
        `dtype is ${info.dtype}; expected an integer tensor (I32 or I64)`,
        name,
      );
    }
    const bytes = await this.readExact(info, info.begin, info.end - info.begin);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.byteLength / DTYPE_BYTES[info.dtype];
    const out = new Int32Array(n);
    if (info.dtype === "I32") {
      if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    for (let i = 0; i < n; i++) {
      const v = view.getBigInt64(i * 8, true);
      if (v < -2147483648n || v > 2147483647n) {
        throw new FormatError(
          this.name,
          `I64 value ${v} at index ${i} does not fit in int32; expected values in [-2^31, 2^31)`,
          name,
        );
      }
      out[i] = Number(v);
    }
    return out;
  }

  private rowRange(info: TensorInfo, rowStart: number, rowCount: number | undefined) {
    const rows = info.shape.length === 0 ? 1 : (info.shape[0] as number);
    const count = rowCount ?? rows - rowStart;
    if (
      !Number.isSafeInteger(rowStart) ||
      !Number.isSafeInteger(count) ||
      rowStart < 0 ||
      count < 0 ||
      rowStart + count > rows
    ) {
      throw new RangeError(
        `${this.name}: tensor ${JSON.stringify(info.name)}: cannot read rows ` +
          `[${rowStart}, ${rowStart + count}) of ${rows}`,
      );
    }
    const rowBytes = rows === 0 ? 0 : (info.end - info.begin) / rows;
    return { offset: info.begin + rowStart * rowBytes, length: count * rowBytes };
  }

  private async readExact(info: TensorInfo, offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    if (offset + length > this.src.size) {
      throw new FormatError(
        this.name,
        `file is truncated: tensor ${JSON.stringify(info.name)} ends at byte ${info.end} ` +
          `but the file has only ${this.src.size} bytes`,
      );
    }
    const bytes = await this.src.read(offset, length);
    if (bytes.byteLength !== length) {
      throw new FormatError(
        this.name,
        `read ${bytes.byteLength} of ${length} bytes at offset ${offset}; the file may have changed`,
        info.name,
      );
    }
    return bytes;
  }
}

/** Reads and validates the header; tensor data is read later, slice by slice. */
export async function openSafetensors(src: ByteSource): Promise<SafetensorsFile> {
  const file = src.name;
  if (src.size < 8) {
    throw new FormatError(
      file,
      `file has ${src.size} bytes; expected at least 8 (the header length) for a safetensors file`,
    );
  }
  const lenBytes = await src.read(0, 8);
  const n = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(
      file,
      `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit; not a safetensors file?`,
    );
  }
  const headerLength = Number(n);
  if (8 + headerLength > src.size) {
    throw new FormatError(
      file,
      `header of ${headerLength} bytes is longer than the file (${src.size} bytes)`,
    );
  }
  if (headerLength < 2) {
    throw new FormatError(file, `header of ${headerLength} bytes is too short for a JSON object`);
  }
  const headerBytes = await src.read(8, headerLength);
  const { metadata, tensors } = parseHeader(file, headerBytes, 8 + headerLength, src.size);
  return new SafetensorsFile(src, metadata, tensors);
}
