/** Helpers for tests: hand-made safetensors bytes and a ByteSource that records reads. */
import type { ByteSource } from "./byteSource.ts";

/**
 * `u64 header length | header | data`. `header` is JSON-encoded unless a string;
 * `declaredLength` overrides the length field.
 */
export function rawSafetensors(
  header: unknown,
  data: Uint8Array | number = 0,
  declaredLength?: bigint,
): Uint8Array {
  const text = typeof header === "string" ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.byteLength + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(body, 8 + json.byteLength);
  return out;
}

export function u16Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint16(i * 2, v, true));
  return out;
}

export interface CountingSource extends ByteSource {
  readonly reads: { offset: number; length: number }[];
  readonly bytesRead: number;
}

export function countingSource(inner: ByteSource): CountingSource {
  const reads: { offset: number; length: number }[] = [];
  return {
    name: inner.name,
    size: inner.size,
    reads,
    get bytesRead() {
      return reads.reduce((a, r) => a + r.length, 0);
    },
    read(offset, length) {
      reads.push({ offset, length });
      return inner.read(offset, length);
    },
  };
}
