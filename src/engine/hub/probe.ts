import { HubError } from "./hubError.ts";
import type { RemoteFile } from "./hubCache.ts";
import {
  discard,
  etagOf,
  parseContentRange,
  readBody,
  requestRange,
  statusError,
  type HubRequest,
} from "./hubHttp.ts";
import { describeHubFile } from "./hubLocation.ts";
import { withRetries, type RetryPolicy } from "./retry.ts";

/**
 * A server or proxy that ignores Range answers 200 with the whole file. That is
 * accepted for files up to this size (config files, small dictionaries), kept in
 * memory; a larger file is refused rather than downloaded whole unasked, which for
 * a model checkpoint could mean gigabytes.
 */
export const WHOLE_FILE_LIMIT = 1 << 20;

export interface ProbedFile extends RemoteFile {
  /** The file's bytes when the server ignored Range and sent them all. */
  readonly whole: Uint8Array | undefined;
}

/** Size and ETag from a `bytes=0-0` GET (the Hub's redirect to its CDN is followed). */
export function probeFile(req: HubRequest, policy: RetryPolicy): Promise<ProbedFile> {
  return withRetries(policy, async () => {
    const res = await requestRange(req, 0, 1);
    if (res.status === 200) return { ...(await readWhole(req, res)), etag: etagOf(res) };
    // 416 is the answer for an empty file: `Content-Range: bytes */0`.
    if (res.status !== 206 && res.status !== 416) throw statusError(req, res);
    discard(res);
    const header = res.headers.get("content-range");
    const range = parseContentRange(header);
    const expected = res.status === 206 ? 0 : null;
    if (range === null || range.start !== expected || (expected === null && range.total !== 0)) {
      throw new HubError(
        "protocol",
        `${describeHubFile(req.file)}: HTTP ${res.status} with Content-Range ` +
          `${header ?? "(none)"}; expected bytes 0-0/<size>`,
      );
    }
    return { size: range.total, etag: etagOf(res), whole: undefined };
  });
}

async function readWhole(
  req: HubRequest,
  res: Response,
): Promise<{ size: number; whole: Uint8Array }> {
  const refuse = (size: string) =>
    new HubError(
      "range-unsupported",
      `${describeHubFile(req.file)}: the server ignored the Range header (HTTP 200); refusing ` +
        `to download the whole file of ${size} bytes (only files up to ${WHOLE_FILE_LIMIT} bytes are)`,
    );
  const declared = Number(res.headers.get("content-length"));
  if (declared > WHOLE_FILE_LIMIT) {
    discard(res);
    throw refuse(String(declared));
  }
  const whole = new Uint8Array(WHOLE_FILE_LIMIT);
  let size = 0;
  await readBody(req, res, (bytes) => {
    if (size + bytes.byteLength > WHOLE_FILE_LIMIT) throw refuse(`over ${WHOLE_FILE_LIMIT}`);
    whole.set(bytes, size);
    size += bytes.byteLength;
  });
  return { size, whole: whole.slice(0, size) };
}
