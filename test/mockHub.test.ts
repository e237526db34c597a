import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockHub, type MockHub } from "./mockHub.ts";

const BYTES = Uint8Array.from({ length: 100 }, (_, i) => i);
let dir = "";
let hub: MockHub;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mock-hub-test-"));
  await mkdir(join(dir, "root/org/repo/sub"), { recursive: true });
  await writeFile(join(dir, "root/org/repo/sub/data.bin"), BYTES);
  await writeFile(join(dir, "secret.txt"), "outside the root");
  hub = await startMockHub(join(dir, "root"));
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => hub.reset());

const cdn = () => `${hub.url}/cdn/org/repo/sub/data.bin`;
const bytes = async (res: Response) => Array.from(new Uint8Array(await res.arrayBuffer()));

describe("mock hub", () => {
  it("redirects resolve URLs of existing files to the CDN, and 404s the rest", async () => {
    const res = await fetch(`${hub.url}/org/repo/resolve/main/sub/data.bin`, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/cdn/org/repo/sub/data.bin");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect((await fetch(`${hub.url}/org/repo/resolve/main/sub/nope.bin`)).status).toBe(404);
    expect((await fetch(`${hub.url}/org/repo/resolve/v2/sub/data.bin`)).status).toBe(404);
    expect((await fetch(`${hub.url}/cdn/%2e%2e/secret.txt`)).status).toBe(404);
    const followed = await fetch(`${hub.url}/org/repo/resolve/main/sub/data.bin`, {
      headers: { Range: "bytes=3-4" },
    });
    expect(followed.status).toBe(206);
    expect(await bytes(followed)).toEqual([3, 4]);
  });

  it("answers ranges with 206 and Content-Range, HEAD with the size and ETag", async () => {
    const ranged = async (range: string) => {
      const res = await fetch(cdn(), { headers: { Range: range } });
      return [res.status, res.headers.get("content-range"), await bytes(res)];
    };
    expect(await ranged("bytes=2-5")).toEqual([206, "bytes 2-5/100", [2, 3, 4, 5]]);
    expect(await ranged("bytes=-3")).toEqual([206, "bytes 97-99/100", [97, 98, 99]]);
    expect(await ranged("bytes=98-")).toEqual([206, "bytes 98-99/100", [98, 99]]);
    expect(await ranged("bytes=98-1000")).toEqual([206, "bytes 98-99/100", [98, 99]]);
    expect(await ranged("bytes=100-")).toEqual([416, "bytes */100", []]);
    const whole = await fetch(cdn());
    expect([whole.status, (await bytes(whole)).length]).toEqual([200, 100]);

    const head = await fetch(cdn(), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("100");
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("etag")).toBe(whole.headers.get("etag"));
    expect(head.headers.get("access-control-expose-headers")).toContain("Content-Range");

    const preflight = await fetch(cdn(), { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Range");
    expect(hub.bytesSent).toBe(4 + 3 + 2 + 2 + 100);
    expect(hub.requests.map((r) => [r.method, r.range, r.status])).toEqual([
      ["GET", "bytes=2-5", 206],
      ["GET", "bytes=-3", 206],
      ["GET", "bytes=98-", 206],
      ["GET", "bytes=98-1000", 206],
      ["GET", "bytes=100-", 416],
      ["GET", null, 200],
      ["HEAD", null, 200],
      ["OPTIONS", null, 204],
    ]);
  });

  it("cuts one transfer, ignores Range, fails requests and goes offline on request", async () => {
    hub.switches.cutAfterBytes = 10;
    const cut = await fetch(cdn());
    await expect(cut.arrayBuffer()).rejects.toThrow();
    expect(hub.bytesSent).toBe(10);
    expect((await bytes(await fetch(cdn()))).length).toBe(100);

    hub.switches.ignoreRange = true;
    const ignored = await fetch(cdn(), { headers: { Range: "bytes=0-1" } });
    expect([ignored.status, (await bytes(ignored)).length]).toEqual([200, 100]);

    hub.switches.failNextRequests = 1;
    expect((await fetch(cdn())).status).toBe(503);
    expect((await fetch(cdn(), { method: "HEAD" })).status).toBe(200);

    hub.switches.offline = true;
    await expect(fetch(cdn())).rejects.toThrow("fetch failed");
    expect(hub.requests.at(-1)?.status).toBe(0);
    hub.reset();
    expect([hub.requests.length, hub.bytesSent, hub.switches.offline]).toEqual([0, 0, false]);
  });

  it("runs from the command line", async () => {
    // Its own process group, so that tsx's node child is stopped with it.
    const tsx = join("node_modules", ".bin", "tsx");
    const child = spawn(tsx, ["test/mockHub.ts", "--root", join(dir, "root"), "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (d: Buffer) => resolve(d.toString()));
        child.once("exit", (code) => reject(new Error(`mock hub exited with ${code}`)));
      });
      const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      expect(line).toContain(`mock hub serving ${join(dir, "root")} at http://127.0.0.1:`);
      const res = await fetch(`${url}/org/repo/resolve/main/sub/data.bin`, {
        headers: { Range: "bytes=0-2" },
      });
      expect(await bytes(res)).toEqual([0, 1, 2]);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid);
    }
  });
});
