/**
 * The page's side of a dictionary_learning ae.pt without config.json: the worker asks which of
 * AutoEncoderTopK and BatchTopKSAE it is, and reads the chosen class on the answer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LoadedWeights } from "./loadedWeights.ts";
import type { FromWorkerLoad } from "./protocol.ts";

const AE = join(
  import.meta.dirname,
  "..",
  "..",
  "test",
  "fixtures",
  "formats",
  "dictionary_learning_batchtopk_no_config",
  "ae.pt",
);

function harness() {
  const seen: FromWorkerLoad[] = [];
  const waiters: (() => void)[] = [];
  const weights = new LoadedWeights({
    post: (m) => {
      seen.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    model: () => Promise.resolve(undefined),
  });
  const next = async <T extends FromWorkerLoad["type"]>(type: T) => {
    for (;;) {
      const m = seen.find((x) => x.type === type);
      if (m) return m as Extract<FromWorkerLoad, { type: T }>;
      const error = seen.find((x) => x.type === "load-error");
      if (error) throw new Error(`expected ${type}, got ${JSON.stringify(error)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { weights, seen, next };
}

describe("LoadedWeights with a config-less dictionary_learning ae.pt", () => {
  it("asks for the class, then reads the one chosen", async () => {
    const { weights, seen, next } = harness();
    const file = new File([readFileSync(AE)], "ae.pt");
    weights.handle({
      type: "load-files",
      loadId: "a",
      name: "ae.pt",
      files: [{ path: "ae.pt", file }],
    });
    const asked = await next("needs-dict-class");
    expect(asked.choices).toEqual(["AutoEncoderTopK", "BatchTopKSAE"]);
    expect(asked.message).toMatch(/holds k = 3, .*have the same tensors.*config\.json/);
    expect(seen.map((m) => m.type).filter((t) => t !== "load-progress")).toEqual([
      "needs-dict-class",
    ]);

    weights.handle({ type: "set-dict-class", loadId: "a", dictClass: "BatchTopKSAE" });
    expect((await next("recognized")).description).toMatch(
      /^dictionary_learning · BatchTopKSAE · /,
    );
    await next("loaded");
    const d = weights.dictionary("a");
    expect(d?.spec.activation).toEqual({ kind: "jumprelu", relu: true });
    expect(Array.from(d?.params.threshold ?? [])).toEqual(new Array(12).fill(Math.fround(0.4)));
  });
});
