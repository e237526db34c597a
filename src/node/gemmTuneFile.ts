import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { GemmTuneCache } from "../engine/gpu/autotune.ts";
import { isGemmChoice, type GemmChoice } from "../engine/gpu/gemmVariants.ts";

/** $TRANSCODER_PLAYGROUND_CACHE/gemm-variants.json, else ~/.cache/transcoder-playground/. */
export function defaultGemmTunePath(): string {
  const dir =
    process.env.TRANSCODER_PLAYGROUND_CACHE ?? join(homedir(), ".cache", "transcoder-playground");
  return join(dir, "gemm-variants.json");
}

/** Node's cache of the GEMM kernels chosen per adapter: one JSON object, adapter key -> choice. */
export function gemmTuneFile(path: string = defaultGemmTunePath()): GemmTuneCache {
  const readAll = (): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      return typeof parsed === "object" && parsed !== null
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {}; // missing or unreadable: tune again
    }
  };
  return {
    get(key) {
      const found = readAll()[key];
      return Promise.resolve(isGemmChoice(found) ? found : undefined);
    },
    set(key, choice: GemmChoice) {
      const all = { ...readAll(), [key]: choice };
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(all, null, 2) + "\n");
      return Promise.resolve();
    },
  };
}
