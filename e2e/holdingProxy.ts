/**
 * An HTTP proxy in front of the mock Hub that can hold chosen requests until released, so a
 * test can look at a load in the middle (Playwright's routes do not see a worker's fetches).
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldingProxy {
  readonly url: string;
  /** Holds each request for which `match(path, range)` is true until `release()`. */
  hold(match: (path: string, range: string | undefined) => boolean): void;
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let match: ((path: string, range: string | undefined) => boolean) | undefined;
  let open = Promise.resolve();
  let release = () => {};

  const server = createServer((req, res) => {
    const held = match?.(req.url ?? "/", req.headers.range) ?? false;
    void (held ? open : Promise.resolve()).then(() => {
      if (res.destroyed) return;
      const upstream = request(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      res.on("close", () => upstream.destroy());
      req.pipe(upstream);
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold(m) {
      match = m;
      open = new Promise((r) => (release = r));
    },
    release() {
      match = undefined;
      release();
    },
    close() {
      release();
      server.closeAllConnections();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}
