import type { ByteSource } from "../engine/formats/byteSource.ts";

/** How often a load reports its bytes to the page (and always at the start and the end). */
const REPORT_EVERY_MS = 100;

/**
 * Bytes read from one load's files. Before the weights are read (configs, headers) the total is
 * unknown and reported as 0; from `startWeights` on, bytes count toward the weights' size.
 */
export class LoadProgress {
  private readonly perFile = new Map<string, number>();
  private base = 0;
  private total = 0;
  private label = "Reading the files";
  private lastReport = -Infinity;

  constructor(private readonly report: (loaded: number, total: number, label: string) => void) {}

  /** `bytes` of `path` have been read so far (a running count). */
  set(path: string, bytes: number): void {
    this.perFile.set(path, bytes);
    const now = performance.now();
    if (now - this.lastReport >= REPORT_EVERY_MS) this.send(now);
  }

  add(path: string, bytes: number): void {
    this.set(path, (this.perFile.get(path) ?? 0) + bytes);
  }

  startWeights(total: number, label: string): void {
    this.base = this.sum();
    this.total = total;
    this.label = label;
    this.send(performance.now());
  }

  finish(): void {
    this.base = this.sum() - this.total;
    this.send(performance.now());
  }

  private sum(): number {
    let s = 0;
    for (const n of this.perFile.values()) s += n;
    return s;
  }

  private send(now: number): void {
    this.lastReport = now;
    const read = Math.max(0, this.sum() - this.base);
    this.report(this.total > 0 ? Math.min(read, this.total) : read, this.total, this.label);
  }
}

/** A source that counts what is read of it and stops reading once `signal` aborts. */
export function watchedSource(
  src: ByteSource,
  path: string,
  progress: LoadProgress,
  signal: AbortSignal,
): ByteSource {
  return {
    name: src.name,
    size: src.size,
    async read(offset, length) {
      signal.throwIfAborted();
      const bytes = await src.read(offset, length);
      signal.throwIfAborted();
      progress.add(path, length);
      return bytes;
    },
  };
}
