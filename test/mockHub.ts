/**
 * A stand-in for the Hugging Face Hub, serving files from a folder as the Hub does:
 * `/{org}/{repo}/resolve/main/{path}` redirects (302) to `/cdn/{org}/{repo}/{path}`,
 * which answers GET and HEAD with Range (206 + Content-Range), ETag and CORS headers.
 * Switches let tests cut or stall a transfer, ignore Range, or refuse every connection.
 *
 * CLI: `tsx test/mockHub.ts --root DIR [--port N]` prints the URL and serves until killed.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export interface MockHubSwitches {
  /** Close the connection after this many body bytes of the next file response, once. */
  cutAfterBytes: number | null;
  /** Send this many body bytes of the next file response, once, then wait forever. */
  stallAfterBytes: number | null;
  /** Answer these many next requests with 503, as an overloaded server. */
  failNextRequests: number;
  /** `resolve` answers 401 unless the request has `Authorization: Bearer <this>`. */
  requiredToken: string | null;
  /** Answer every GET with 200 and the whole file, as a server without Range support. */
  ignoreRange: boolean;
  /** Drop every connection without an answer. */
  offline: boolean;
}

export interface MockHubRequest {
  method: string;
  path: string;
  range: string | null;
  /** 0 until the answer's headers are sent, and for a dropped connection. */
  readonly status: number;
}

export interface MockHub {
  /** `http://127.0.0.1:PORT`, the endpoint to give the client. */
  readonly url: string;
  readonly switches: MockHubSwitches;
  /** Every request received, refused ones included. */
  readonly requests: MockHubRequest[];
  /** File body bytes written to sockets. */
  readonly bytesSent: number;
  /** Clears the log, the byte count and the switches. */
  reset(): void;
  close(): Promise<void>;
}

const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Range, Authorization",
  "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, Accept-Ranges",
};

export async function startMockHub(root: string, port = 0): Promise<MockHub> {
  const rootDir = resolve(root);
  const switches = defaultSwitches();
  const requests: MockHubRequest[] = [];
  let bytesSent = 0;

  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      range: req.headers.range ?? null,
      get status() {
        return res.headersSent ? res.statusCode : 0;
      },
    });
    if (switches.offline) {
      req.socket.destroy();
      return;
    }
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, String(e));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://mock");
    if (req.method === "OPTIONS") return send(res, 204, "");
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "Method Not Allowed");
    if (switches.failNextRequests > 0) {
      switches.failNextRequests--;
      return send(res, 503, "Service Unavailable");
    }
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const [org = "", repo = "", kind, revision, ...path] = parts;
    if (org === "cdn") return serveFile(req, res, parts.slice(1));
    if (kind !== "resolve" || path.length === 0) return send(res, 404, "Not Found");
    const token = switches.requiredToken;
    if (token !== null && req.headers.authorization !== `Bearer ${token}`) {
      return send(res, 401, "Unauthorized");
    }
    // The mock knows one revision; the Hub answers 404 for one it does not know.
    if (revision !== "main") return send(res, 404, "Revision Not Found");
    if ((await findFile([org, repo, ...path])) === undefined) {
      return send(res, 404, "Entry Not Found");
    }
    const cdn = ["cdn", org, repo, ...path].map(encodeURIComponent).join("/");
    res.writeHead(302, { ...CORS_HEADERS, Location: `/${cdn}` });
    res.end();
  }

  /** The file's path and stat when `parts` name a file under the root. */
  async function findFile(parts: string[]) {
    const file = resolve(rootDir, ...parts);
    if (!file.startsWith(rootDir + sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { file, info } : undefined;
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, parts: string[]) {
    const found = await findFile(parts);
    if (found === undefined) return send(res, 404, "Entry Not Found");
    const { file, info } = found;
    const size = info.size;
    const version = `${size}:${info.mtimeMs}`;
    const etag = `"${createHash("sha256").update(version).digest("hex").slice(0, 16)}"`;
    const headers = {
      ...CORS_HEADERS,
      "Accept-Ranges": "bytes",
      "Content-Type": "application/octet-stream",
      ETag: etag,
    };
    const range = switches.ignoreRange ? null : parseRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` });
      res.end();
      return;
    }
    const [start, end] = range ?? [0, size];
    res.writeHead(range === null ? 200 : 206, {
      ...headers,
      "Content-Length": String(end - start),
      ...(range === null ? {} : { "Content-Range": `bytes ${start}-${end - 1}/${size}` }),
    });
    if (req.method === "HEAD" || end === start) {
      res.end();
      return;
    }
    const cut = switches.cutAfterBytes;
    const stall = switches.stallAfterBytes;
    switches.cutAfterBytes = null;
    switches.stallAfterBytes = null;
    await streamBody(res, createReadStream(file, { start, end: end - 1 }), cut ?? stall, () => {
      if (cut !== null) res.destroy();
    });
  }

  /** Writes the stream; after `limit` bytes (if any) stops and calls `atLimit`. */
  function streamBody(
    res: ServerResponse,
    stream: Readable,
    limit: number | null,
    atLimit: () => void,
  ): Promise<void> {
    return new Promise((done, fail) => {
      let sent = 0;
      stream.on("error", fail);
      res.on("close", () => {
        stream.destroy();
        done();
      });
      stream.on("data", (data: Buffer) => {
        const n = limit === null ? data.byteLength : Math.min(data.byteLength, limit - sent);
        sent += n;
        bytesSent += n;
        const flushed = res.write(data.subarray(0, n), () => {
          if (limit !== null && sent >= limit) atLimit();
        });
        if (limit !== null && sent >= limit) stream.destroy();
        else if (!flushed) {
          stream.pause();
          res.once("drain", () => stream.resume());
        }
      });
      stream.on("end", () => {
        res.end();
        done();
      });
    });
  }

  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    switches,
    requests,
    get bytesSent() {
      return bytesSent;
    },
    reset() {
      requests.length = 0;
      bytesSent = 0;
      Object.assign(switches, defaultSwitches());
    },
    close() {
      server.closeAllConnections();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}

function defaultSwitches(): MockHubSwitches {
  return {
    cutAfterBytes: null,
    stallAfterBytes: null,
    failNextRequests: 0,
    requiredToken: null,
    ignoreRange: false,
    offline: false,
  };
}

/** `[start, end)` of a single `bytes=` range; null when absent or not understood (serve all). */
function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | null | "unsatisfiable" {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  if (m === null || (m[1] === "" && m[2] === "")) return null;
  const [first, last] = [m[1] ?? "", m[2] ?? ""];
  const start = first === "" ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === "" || last === "" ? size : Math.min(Number(last) + 1, size);
  return start >= size || start >= end ? "unsatisfiable" : [start, end];
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...CORS_HEADERS, "Content-Type": "text/plain" });
  res.end(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { root: { type: "string" }, port: { type: "string", default: "0" } },
  });
  if (values.root === undefined) {
    console.error("usage: tsx test/mockHub.ts --root DIR [--port N]");
    process.exit(2);
  }
  const hub = await startMockHub(values.root, Number(values.port));
  console.log(`mock hub serving ${resolve(values.root)} at ${hub.url}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
