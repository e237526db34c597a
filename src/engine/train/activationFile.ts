import { seededRandom } from "../dictionary/init.ts";
import type { DictionaryKind } from "../dictionary/spec.ts";
import { assertFinite } from "../formats/assertFinite.ts";
import { FormatError } from "../formats/formatError.ts";
import type { SafetensorsFile } from "../formats/safetensors.ts";

export interface Batch {
  x: Float32Array<ArrayBuffer>;
  /** Targets; absent for an SAE (its target is x). */
  y?: Float32Array<ArrayBuffer>;
}

/**
 * Activations dumped to safetensors: `x [N, d_in]` and, for a transcoder, `y [N, d_out]`.
 * Batches are read slice by slice, in file order (rows i*B .. i*B+B-1, wrapping around),
 * or in a seeded per-epoch permutation.
 */
export class ActivationFile {
  private constructor(
    readonly file: SafetensorsFile,
    readonly kind: DictionaryKind,
    readonly rows: number,
    readonly dIn: number,
    readonly dOut: number,
  ) {}

  static open(file: SafetensorsFile, kind: DictionaryKind): ActivationFile {
    const [rows, dIn] = file.expectShape("x", [null, null], "[N, d_in]") as [number, number];
    if (rows === 0 || dIn === 0) {
      throw new FormatError(
        file.name,
        `expected at least one row and column, found shape [${rows}, ${dIn}]`,
        "x",
      );
    }
    let dOut = dIn;
    if (kind === "transcoder") {
      if (!file.has("y")) {
        throw new FormatError(
          file.name,
          'missing tensor "y" [N, d_out]: a transcoder needs targets',
        );
      }
      const shape = file.expectShape("y", [rows, null], `[${rows}, d_out] (as many rows as x)`);
      dOut = shape[1]!;
      if (dOut === 0) throw new FormatError(file.name, "expected d_out > 0, found 0", "y");
    }
    return new ActivationFile(file, kind, rows, dIn, dOut);
  }

  /** Throws a FormatError naming the row and column of the first NaN or infinity. */
  async assertFinite(chunkRows = 4096): Promise<void> {
    const tensors: [string, number][] = [["x", this.dIn]];
    if (this.kind === "transcoder") tensors.push(["y", this.dOut]);
    for (const [name, width] of tensors) {
      for (let start = 0; start < this.rows; start += chunkRows) {
        const count = Math.min(chunkRows, this.rows - start);
        assertFinite(
          await this.file.readF32(name, start, count),
          this.file.name,
          name,
          start,
          width,
        );
      }
    }
  }

  /** Rows start .. start+count-1 of a tensor, wrapping around the end of the file. */
  async readWrapped(
    name: string,
    start: number,
    count: number,
    width: number,
  ): Promise<Float32Array<ArrayBuffer>> {
    const out = new Float32Array(count * width);
    let filled = 0;
    let row = start % this.rows;
    while (filled < count) {
      const n = Math.min(count - filled, this.rows - row);
      out.set(await this.file.readF32(name, row, n), filled * width);
      filled += n;
      row = 0;
    }
    return out;
  }

  /** Batch `index` in file order. */
  async batch(index: number, batchSize: number): Promise<Batch> {
    const start = (index * batchSize) % this.rows;
    const x = await this.readWrapped("x", start, batchSize, this.dIn);
    if (this.kind !== "transcoder") return { x };
    return { x, y: await this.readWrapped("y", start, batchSize, this.dOut) };
  }

  /** Batch `index` of a stream that visits every row once per epoch in a seeded random order. */
  async shuffledBatch(index: number, batchSize: number, seed: number): Promise<Batch> {
    const x = new Float32Array(batchSize * this.dIn);
    const y = this.kind === "transcoder" ? new Float32Array(batchSize * this.dOut) : undefined;
    for (let j = 0; j < batchSize; j++) {
      const position = index * batchSize + j;
      const row = this.permutation(Math.floor(position / this.rows), seed)[position % this.rows]!;
      x.set(await this.file.readF32("x", row, 1), j * this.dIn);
      if (y) y.set(await this.file.readF32("y", row, 1), j * this.dOut);
    }
    return y ? { x, y } : { x };
  }

  private cachedKey = "";
  private cachedOrder = new Uint32Array(0);

  private permutation(epoch: number, seed: number): Uint32Array {
    const key = `${seed}/${epoch}`;
    if (key !== this.cachedKey) {
      const order = Uint32Array.from({ length: this.rows }, (_, i) => i);
      const rand = seededRandom((seed * 1000003 + epoch) >>> 0);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      this.cachedKey = key;
      this.cachedOrder = order;
    }
    return this.cachedOrder;
  }
}
