import { DTYPE_BYTES, isDtype, type Dtype } from "./dtypes.ts";
import { FormatError } from "./formatError.ts";

export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Absolute byte offsets in the file (header included), end exclusive. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  metadata: Readonly<Record<string, string>>;
  tensors: ReadonlyMap<string, TensorInfo>;
}

/** Same bound as the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Parses and validates the JSON header. `dataStart` is 8 + header length; `fileSize`
 * bounds the data section.
 */
export function parseHeader(
  file: string,
  headerBytes: Uint8Array,
  dataStart: number,
  fileSize: number,
): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch (e) {
    throw new FormatError(file, "header is not valid UTF-8; expected a JSON object", undefined, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `header is not valid JSON (${(e as Error).message})`, undefined, {
      cause: e,
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FormatError(file, `header must be a JSON object, found ${describe(json)}`);
  }
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === "__metadata__") metadata = parseMetadata(file, value);
    else infos.push(parseEntry(file, key, value, dataStart, fileSize));
  }
  // In file order: JSON.parse would put integer-like names first.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkOverlaps(file, infos);
  return { metadata, tensors: new Map(infos.map((t) => [t.name, t])) };
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError(
      file,
      `"__metadata__" must be an object of strings, found ${describe(value)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new FormatError(
        file,
        `"__metadata__" must map strings to strings; key ${JSON.stringify(k)} has ${describe(v)}`,
      );
    }
    out[k] = v;
  }
  return out;
}

function parseEntry(
  file: string,
  name: string,
  value: unknown,
  dataStart: number,
  fileSize: number,
): TensorInfo {
  const fail = (detail: string): never => {
    throw new FormatError(file, detail, name);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(
      `header entry must be an object {dtype, shape, data_offsets}, found ${describe(value)}`,
    );
  }
  const entry = value as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = entry;
  if (!isDtype(dtype)) {
    return fail(
      `unknown dtype ${describe(dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(", ")}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    return fail(`shape must be an array of non-negative integers, found ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isNonNegativeInteger) ||
    (offsets[0] as number) > (offsets[1] as number)
  ) {
    return fail(
      `data_offsets must be [begin, end] with integers 0 <= begin <= end, found ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const expectedBytes = count * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(expectedBytes)) {
    return fail(`shape ${JSON.stringify(shape)} is too large`);
  }
  if (end - begin !== expectedBytes) {
    return fail(
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes, expected ${expectedBytes} ` +
        `(${dtype} shape ${JSON.stringify(shape)} = ${count} x ${DTYPE_BYTES[dtype]} bytes)`,
    );
  }
  if (dataStart + end > fileSize) {
    throw new FormatError(
      file,
      `file is truncated: tensor ${JSON.stringify(name)} ends at byte ${dataStart + end} ` +
        `but the file has only ${fileSize} bytes`,
    );
  }
  return {
    name,
    dtype,
    shape: shape as number[],
    begin: dataStart + begin,
    end: dataStart + end,
  };
}

/** `infos` sorted by begin. */
function checkOverlaps(file: string, infos: TensorInfo[]): void {
  const sorted = infos.filter((t) => t.end > t.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as TensorInfo;
    const cur = sorted[i] as TensorInfo;
    if (cur.begin < prev.end) {
      throw new FormatError(
        file,
        `tensors ${JSON.stringify(prev.name)} (bytes ${prev.begin}-${prev.end}) and ` +
          `${JSON.stringify(cur.name)} (bytes ${cur.begin}-${cur.end}) overlap; expected disjoint data_offsets`,
      );
    }
  }
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  return String(v);
}
