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
 * Streams bytes [start, end) of `remote` to `onBytes(position, bytes)` in order, over
 * as many Range requests as it takes: after a cut, only the missing tail is asked for.
 */
export async function fetchRange(
  req: HubRequest,
  policy: RetryPolicy,
  remote: RemoteFile,
  start: number,
  end: number,
  onBytes: (position: number, bytes: Uint8Array) => Promise<void> | void,
): Promise<void> {
  const what = describeHubFile(req.file);
  let pos = start;
  let attemptStart = start;
  const attempt = async () => {
    attemptStart = pos;
    const res = await requestRange(req, pos, end);
    checkPartial(req, res, remote, pos, end);
    await readBody(req, res, async (bytes) => {
      if (bytes.byteLength > end - pos) {
        throw new HubError(
          "protocol",
          `${what}: the server sent more than bytes ${start}-${end - 1}`,
        );
      }
      await onBytes(pos, bytes);
      pos += bytes.byteLength;
    });
    if (pos < end) {
      throw new HubError(
        "network",
        `${what}: the transfer of bytes ${start}-${end - 1} stopped at byte ${pos}`,
      );
    }
  };
  await withRetries(policy, attempt, () => pos > attemptStart);
}

/** A 206 for exactly [start, end) of the same file version, or an error. */
function checkPartial(
  req: HubRequest,
  res: Response,
  remote: RemoteFile,
  start: number,
  end: number,
): void {
  const what = describeHubFile(req.file);
  if (res.status === 200) {
    discard(res);
    throw new HubError(
      "range-unsupported",
      `${what}: the server ignored the Range header (HTTP 200) for bytes ${start}-${end - 1}`,
    );
  }
  if (res.status !== 206) throw statusError(req, res);
  const header = res.headers.get("content-range");
  const range = parseContentRange(header);
  const etag = etagOf(res);
  if (range === null || range.start !== start || range.end !== end) {
    discard(res);
    throw new HubError(
      "protocol",
      `${what}: asked for bytes ${start}-${end - 1}, got Content-Range ${header ?? "(none)"}`,
    );
  }
  if (
    range.total !== remote.size ||
    (etag !== null && remote.etag !== null && etag !== remote.etag)
  ) {
    discard(res);
    throw new HubError(
      "changed",
      `${what}: the file changed on the Hub since it was opened or cached ` +
        `(${remote.size} bytes, ETag ${remote.etag}; now ${range.total} bytes, ETag ${etag}); load it again`,
    );
  }
}
