/**
 * Random access to the bytes of a file without holding it in memory: the browser
 * backs it with a File (a Blob), Node with a file handle, tests with an array.
 */
export interface ByteSource {
  /** Shown in error messages: a file name or path. */
  readonly name: string;
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset`; throws RangeError when the range is not
   * inside [0, size]. The result is the caller's to keep and change.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function checkRange(src: { name: string; size: number }, offset: number, length: number) {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > src.size
  ) {
    throw new RangeError(
      `${src.name}: cannot read ${length} bytes at offset ${offset} of a ${src.size}-byte file`,
    );
  }
}

export function blobByteSource(blob: Blob, name: string): ByteSource {
  const src: ByteSource = {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(src, offset, length);
      const buf = await blob.slice(offset, offset + length).arrayBuffer();
      if (buf.byteLength !== length) {
        throw new RangeError(`${name}: read ${buf.byteLength} of ${length} bytes at ${offset}`);
      }
      return new Uint8Array(buf);
    },
  };
  return src;
}

export function bytesByteSource(bytes: Uint8Array, name: string): ByteSource {
  const src: ByteSource = {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      checkRange(src, offset, length);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
  };
  return src;
}
