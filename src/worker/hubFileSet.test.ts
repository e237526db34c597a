import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryByteCache } from "../engine/hub/byteCache.ts";
import { startMockHub, type MockHub } from "../../test/mockHub.ts";
import { hubFileSet } from "./hubFileSet.ts";
import { LoadProgress } from "./loadProgress.ts";

let dir: string;
let hub: MockHub;
const progress = () => new LoadProgress(() => {});
const signal = () => new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hub-file-set-"));
  const folder = join(dir, "org", "repo", "blocks.0.hook_resid_pre");
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "cfg.json"), "{}");
  await writeFile(join(folder, "sae_weights.safetensors"), "weights");
  await writeFile(join(dir, "org", "repo", "one.pt"), "pt");
  hub = await startMockHub(dir);
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => hub.reset());

describe("hubFileSet", () => {
  it("opens a file, named by its base name", async () => {
    const set = await hubFileSet(
      { repo: "org/repo", path: "one.pt", endpoint: hub.url },
      progress(),
      signal(),
      undefined,
    );
    expect(set.name).toBe("org/repo/one.pt");
    expect([...set.files.keys()]).toEqual(["one.pt"]);
  });

  it("probes a folder for the known file names when the path is not a file", async () => {
    const set = await hubFileSet(
      { repo: "org/repo", path: "blocks.0.hook_resid_pre", endpoint: hub.url },
      progress(),
      signal(),
      undefined,
    );
    expect([...set.files.keys()].sort()).toEqual(["cfg.json", "sae_weights.safetensors"]);
    expect(await set.files.get("cfg.json")!.read(0, 2)).toEqual(new TextEncoder().encode("{}"));
  });

  it("a second load with the cache makes no request", async () => {
    const cache = memoryByteCache();
    const source = { repo: "org/repo", path: "blocks.0.hook_resid_pre", endpoint: hub.url };
    const first = await hubFileSet(source, progress(), signal(), cache);
    await first.files.get("sae_weights.safetensors")!.read(0, 7);
    hub.reset();
    const again = await hubFileSet(source, progress(), signal(), cache);
    expect(await again.files.get("sae_weights.safetensors")!.read(0, 7)).toEqual(
      new TextEncoder().encode("weights"),
    );
    expect(hub.requests).toEqual([]);
  });

  it("says what was tried when nothing is there", async () => {
    await expect(
      hubFileSet(
        { repo: "org/repo", path: "nothing", endpoint: hub.url },
        progress(),
        signal(),
        undefined,
      ),
    ).rejects.toThrow(
      /^not found on the Hub: org\/repo\/nothing \(revision main\): no such file, and no folder there with any of cfg\.json/,
    );
    await expect(
      hubFileSet(
        { repo: "org/repo", path: "missing.pt", pathKind: "file", endpoint: hub.url },
        progress(),
        signal(),
        undefined,
      ),
    ).rejects.toThrow("not found on the Hub: org/repo/missing.pt (revision main)");
  });

  it("offline, says the Hub cannot be reached, not that a probed file is missing", async () => {
    const closed = await startMockHub(dir);
    const endpoint = closed.url;
    await closed.close();
    const load = hubFileSet(
      { repo: "openai-community/gpt2", path: "", endpoint },
      progress(),
      signal(),
      undefined,
    );
    await expect(load).rejects.toThrow(
      new RegExp(
        `^openai-community/gpt2 \\(revision main\\) on ${endpoint}: could not reach the Hugging Face Hub \\(`,
      ),
    );
    await expect(load).rejects.not.toThrow(/cfg\.json/);
  });
});
