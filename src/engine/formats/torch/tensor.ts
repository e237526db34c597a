/** Lazy torch storages and tensors: their bytes stay in the zip until read. */
import { DTYPE_BYTES, FLOAT_DTYPES, type Dtype } from "../dtypes.ts";
import { FormatError } from "../formatError.ts";
import {
  elementCount,
  readViewF32,
  readViewNumbers,
  viewSpan,
  type StridedLayout,
} from "./elements.ts";
import type { ZipArchive } from "./zip.ts";

/** One `<archive>/data/<key>` entry, seen as `numel` elements of `dtype`. */
export class TorchStorage {
  readonly kind = "storage";

  constructor(
    private readonly zip: ZipArchive,
    readonly key: string,
    /** The zip entry, e.g. "archive/data/0". */
    readonly entry: string,
    readonly dtype: Dtype,
    readonly numel: number,
    /** Where it lived when saved: "cpu", "cuda:0". */
    readonly location: string,
  ) {}

  /** The file it is in, for error messages. */
  get file(): string {
    return this.zip.name;
  }

  /** Elements [start, end); the whole entry's CRC-32 is checked when that is what is read. */
  readElements(start: number, end: number): Promise<Uint8Array> {
    const size = DTYPE_BYTES[this.dtype];
    return this.zip.readRange(this.entry, start * size, (end - start) * size);
  }
}

/** A tensor as torch saved it: a strided view of a storage. */
export class TorchTensor implements StridedLayout {
  readonly kind = "tensor";

  constructor(
    readonly storage: TorchStorage,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly storageOffset: number,
    readonly requiresGrad: boolean,
  ) {}

  get dtype(): Dtype {
    return this.storage.dtype;
  }

  get offset(): number {
    return this.storageOffset;
  }

  get numel(): number {
    return elementCount(this.shape);
  }

  /**
   * The values in row-major order, reading only the storage elements the view spans.
   * F16 and BF16 convert exactly, F64 rounds to the nearest f32.
   */
  async readF32(): Promise<Float32Array<ArrayBuffer>> {
    if (!FLOAT_DTYPES.includes(this.dtype)) {
      throw this.error(
        `holds ${this.dtype} values; readF32 reads float tensors (${FLOAT_DTYPES.join(", ")}), ` +
          `readNumbers any dtype`,
      );
    }
    return readViewF32(await this.spanBytes(), this);
  }

  /** The exact values of any dtype in row-major order (bool as 0/1). */
  async readNumbers(): Promise<Float64Array<ArrayBuffer>> {
    return readViewNumbers(await this.spanBytes(), this, (v) => {
      throw this.error(`int64 value ${v} is beyond ±2^53 and cannot be read as a number`);
    });
  }

  private spanBytes(): Promise<Uint8Array> {
    const { start, end } = viewSpan(this);
    return this.storage.readElements(start, end);
  }

  private error(detail: string): FormatError {
    const where = `tensor in storage ${JSON.stringify(this.storage.entry)}`;
    return new FormatError(this.storage.file, `${where} ${detail}`);
  }
}
