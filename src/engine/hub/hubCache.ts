import type { ByteCache } from "./byteCache.ts";

/** What the probe learned of a file: enough to open it again without a request. */
export interface RemoteFile {
  readonly size: number;
  readonly etag: string | null;
}

/**
 * One Hub URL's entries in a ByteCache: its RemoteFile, and its bytes in aligned
 * chunks keyed by size and ETag, so a new version of the file never reads old chunks.
 * The cache only speeds loads up: the first failure of the store is kept in `error`
 * and the store is not used again, so a full quota does not stop a download.
 */
export class HubCache {
  error: unknown = undefined;

  constructor(
    private readonly store: ByteCache,
    private readonly url: string,
    readonly chunkSize: number,
  ) {}

  async loadRemote(): Promise<RemoteFile | undefined> {
    const bytes = await this.guard(() => this.store.get(`file:${this.url}`));
    if (bytes === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
      return isRemoteFile(value) ? value : undefined;
    } catch {
      return undefined; // a damaged entry: probe again
    }
  }

  async saveRemote(remote: RemoteFile): Promise<void> {
    const json = JSON.stringify({ size: remote.size, etag: remote.etag });
    await this.guard(() => this.store.put(`file:${this.url}`, new TextEncoder().encode(json)));
  }

  /** Chunk `index` of `remote`, or undefined when it is not cached whole. */
  async getChunk(remote: RemoteFile, index: number): Promise<Uint8Array | undefined> {
    const bytes = await this.guard(() => this.store.get(this.chunkKey(remote, index)));
    return bytes?.byteLength === this.chunkLength(remote, index) ? bytes : undefined;
  }

  async putChunk(remote: RemoteFile, index: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    await this.guard(() => this.store.put(this.chunkKey(remote, index), bytes));
  }

  /** A file the server sent whole, cut into chunks. */
  async putWhole(remote: RemoteFile, whole: Uint8Array): Promise<void> {
    for (let i = 0; i * this.chunkSize < remote.size; i++) {
      await this.putChunk(remote, i, whole.slice(i * this.chunkSize, (i + 1) * this.chunkSize));
    }
  }

  chunkLength(remote: RemoteFile, index: number): number {
    return Math.min(this.chunkSize, remote.size - index * this.chunkSize);
  }

  private chunkKey(remote: RemoteFile, index: number): string {
    return `chunk:${this.chunkSize}:${remote.size}:${remote.etag ?? ""}:${this.url}#${index}`;
  }

  private async guard<T>(op: () => Promise<T>): Promise<T | undefined> {
    if (this.error !== undefined) return undefined;
    try {
      return await op();
    } catch (e) {
      this.error = e;
      return undefined;
    }
  }
}

function isRemoteFile(v: unknown): v is RemoteFile {
  if (typeof v !== "object" || v === null) return false;
  const { size, etag } = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(size) &&
    (size as number) >= 0 &&
    (etag === null || typeof etag === "string")
  );
}
