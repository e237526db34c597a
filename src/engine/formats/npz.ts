/**
 * numpy .npz archives (np.savez, np.savez_compressed): a zip of NAME.npy arrays. Only the
 * .npy headers are read when the file opens; an array's entry is read when asked for.
 */
import type { ByteSource } from "./byteSource.ts";
import { DTYPE_BYTES, FLOAT_DTYPES, type Dtype } from "./dtypes.ts";
import { FormatError, listNames } from "./formatError.ts";
import {
  columnMajorStrides,
  elementCount,
  readViewF32,
  readViewNumbers,
  rowMajorStrides,
  type StridedLayout,
} from "./torch/elements.ts";
import { NPY_PREFIX_BYTES, npyDataOffset, parseNpyHeader } from "./torch/npy.ts";
import { openZip, type ZipArchive, type ZipLimits } from "./torch/zip.ts";

export interface NpyArrayInfo {
  /** The entry name without ".npy". */
  readonly name: string;
  readonly entry: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Stored column-major; reads still return row-major values. */
  readonly fortranOrder: boolean;
  readonly dataOffset: number;
}

/** Headers usually fit in this, so that one read (or inflate) per array is enough. */
const FIRST_READ_BYTES = 256;

export class NpzFile {
  constructor(
    private readonly zip: ZipArchive,
    /** In archive order. */
    readonly arrays: ReadonlyMap<string, NpyArrayInfo>,
  ) {}

  get name(): string {
    return this.zip.name;
  }

  info(name: string): NpyArrayInfo {
    const info = this.arrays.get(name);
    if (info === undefined) {
      throw new FormatError(
        this.name,
        `missing array ${JSON.stringify(name)}; the file has ${listNames([...this.arrays.keys()])}`,
      );
    }
    return info;
  }

  /** Row-major f32 values of a float array (F16 exact, F64 rounded to nearest). */
  async readF32(name: string): Promise<Float32Array<ArrayBuffer>> {
    const info = this.info(name);
    if (!FLOAT_DTYPES.includes(info.dtype)) {
      throw new FormatError(
        this.name,
        `array ${JSON.stringify(name)} holds ${info.dtype} values; readF32 reads float arrays ` +
          `(${FLOAT_DTYPES.join(", ")}), readNumbers any dtype`,
      );
    }
    return readViewF32(await this.data(info), layout(info));
  }

  /** Exact row-major values of any dtype (bool as 0/1). */
  async readNumbers(name: string): Promise<Float64Array<ArrayBuffer>> {
    const info = this.info(name);
    return readViewNumbers(await this.data(info), layout(info), (v) => {
      throw new FormatError(
        this.name,
        `array ${JSON.stringify(name)}: int64 value ${v} is beyond ±2^53 and cannot be read as a number`,
      );
    });
  }

  /** The whole entry is read so that its CRC-32 is checked; the header is a few bytes. */
  private async data(info: NpyArrayInfo): Promise<Uint8Array> {
    const bytes = await this.zip.read(info.entry);
    const n = elementCount(info.shape) * DTYPE_BYTES[info.dtype];
    return bytes.subarray(info.dataOffset, info.dataOffset + n);
  }
}

function layout(info: NpyArrayInfo): StridedLayout {
  const stride = info.fortranOrder ? columnMajorStrides(info.shape) : rowMajorStrides(info.shape);
  return { dtype: info.dtype, shape: info.shape, stride, offset: 0 };
}

export async function openNpz(src: ByteSource, zipLimits?: Partial<ZipLimits>): Promise<NpzFile> {
  const zip = await openZip(src, zipLimits);
  const arrays = new Map<string, NpyArrayInfo>();
  for (const entry of zip.entries.values()) {
    if (!entry.name.endsWith(".npy")) continue;
    const name = entry.name.slice(0, -".npy".length);
    const fail = (detail: string): never => {
      throw new FormatError(src.name, `array ${JSON.stringify(name)} (${entry.name}) ${detail}`);
    };
    const first = await zip.readRange(entry.name, 0, Math.min(entry.size, FIRST_READ_BYTES));
    const dataOffset = npyDataOffset(first.subarray(0, NPY_PREFIX_BYTES), fail);
    if (dataOffset > entry.size)
      fail(`is truncated: its .npy header ends past its ${entry.size} bytes`);
    const headerBytes =
      dataOffset <= first.length ? first : await zip.readRange(entry.name, 0, dataOffset);
    const header = parseNpyHeader(headerBytes, fail);
    const needed = elementCount(header.shape) * DTYPE_BYTES[header.dtype];
    if (entry.size - dataOffset < needed) {
      fail(
        `is truncated: ${header.dtype} shape [${header.shape.join(", ")}] needs ${needed} bytes ` +
          `of data, the entry has ${entry.size - dataOffset}`,
      );
    }
    arrays.set(name, { name, entry: entry.name, ...header });
  }
  if (arrays.size === 0) {
    throw new FormatError(
      src.name,
      `a zip archive without .npy entries, so not an .npz file; it has ${listNames([...zip.entries.keys()])}`,
    );
  }
  return new NpzFile(zip, arrays);
}
