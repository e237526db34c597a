/** One HTTP exchange with the Hub: the request, its status and its body, as HubErrors. */
import { HubError } from "./hubError.ts";
import { describeHubFile, type HubFile } from "./hubLocation.ts";

export interface HubRequest {
  readonly file: HubFile;
  /** The `resolve` URL; fetch follows the Hub's redirect to its CDN. */
  readonly url: string;
  readonly token: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/** GET of bytes [start, end); a failure to connect is a retryable "network" HubError. */
export async function requestRange(req: HubRequest, start: number, end: number): Promise<Response> {
  const headers: Record<string, string> = { Range: `bytes=${start}-${end - 1}` };
  if (req.token !== undefined) headers.Authorization = `Bearer ${req.token}`;
  try {
    // no-store: our chunk cache keeps the bytes; the HTTP cache would store them twice.
    return await fetch(req.url, { headers, signal: req.signal, cache: "no-store" });
  } catch (e) {
    req.signal?.throwIfAborted();
    throw new HubError(
      "network",
      `${describeHubFile(req.file)}: could not reach the Hugging Face Hub: ${errorText(e)}`,
      {
        cause: e,
      },
    );
  }
}

/** Drops a response's body unread, releasing its connection. */
export function discard(res: Response): void {
  void res.body?.cancel().catch(() => undefined);
}

/** The error for a status that is neither 200 nor 206; discards the body. */
export function statusError(req: HubRequest, res: Response): HubError {
  discard(res);
  const what = describeHubFile(req.file);
  const status = res.status;
  if (status === 404) return new HubError("not-found", `not found on the Hub: ${what}`);
  if (status === 401 || status === 403) {
    const advice =
      req.token === undefined
        ? "the repo is private or gated, or does not exist; if it is gated, accept its terms " +
          "on huggingface.co, then give an access token"
        : "the access token was refused or does not give access to this repo";
    return new HubError("access-denied", `${what}: access denied (HTTP ${status}): ${advice}`);
  }
  if (status === 416) {
    return new HubError(
      "changed",
      `${what}: the server refused the byte range (HTTP 416); the file may have changed on the Hub`,
    );
  }
  if (status === 429 || status >= 500) {
    return new HubError("server", `${what}: the Hub answered HTTP ${status}; try again later`);
  }
  return new HubError("protocol", `${what}: unexpected HTTP ${status} from the Hub`);
}

/** `Content-Range: bytes a-b/total` (a 416 has `*` for `a-b`); null when absent or malformed. */
export function parseContentRange(
  header: string | null,
): { start: number; end: number; total: number } | { start: null; total: number } | null {
  const m = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(header?.trim() ?? "");
  if (m === null) return null;
  const total = Number(m[3]);
  if (m[1] === undefined) return { start: null, total };
  return { start: Number(m[1]), end: Number(m[2]) + 1, total };
}

/** The ETag without a weak-validator prefix, so a CDN's `W/` does not look like a change. */
export function etagOf(res: Response): string | null {
  return res.headers.get("etag")?.replace(/^W\//, "") ?? null;
}

/**
 * Streams the body to `onBytes` in order. A connection that drops mid-body is a
 * retryable "network" HubError; an abort rethrows the signal's reason.
 */
export async function readBody(
  req: HubRequest,
  res: Response,
  onBytes: (bytes: Uint8Array) => Promise<void> | void,
): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        req.signal?.throwIfAborted();
        throw new HubError(
          "network",
          `${describeHubFile(req.file)}: the transfer was cut: ${errorText(e)}`,
          { cause: e },
        );
      }
      if (step.done) return;
      await onBytes(step.value);
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/** What went wrong, for a message: Node's fetch says only "fetch failed"; the reason is in the cause. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message} (${e.cause.message})` : e.message;
}
