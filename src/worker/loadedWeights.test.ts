import { describe, expect, it } from "vitest";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { toSaelensCfg, writeSaelensWeights } from "../engine/formats/saelens.ts";
import { readSaelensZip } from "../engine/formats/saelensZip.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import { LoadedWeights } from "./loadedWeights.ts";
import type { FromWorkerLoad, PickedFile } from "./protocol.ts";

const config = (dModel: number): Gpt2Config => ({
  vocabSize: 50257,
  nCtx: 128,
  dModel,
  nLayer: 2,
  nHead: 4,
  dHead: dModel / 4,
  dMlp: 4 * dModel,
  lnEps: 1e-5,
  activation: "gelu_new",
});

const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: 8,
  dSae: 4,
  dOut: 8,
  applyBDecToInput: false,
  hookName: "blocks.1.ln2.hook_normalized",
  hookNameOut: "blocks.1.hook_mlp_out",
  modelName: "gpt2-brown",
  normalizeActivations: "none",
};
const params = {
  wEnc: Float32Array.from({ length: 32 }, (_, i) => i / 32),
  bEnc: new Float32Array([1, 2, 3, 4]),
  wDec: Float32Array.from({ length: 32 }, (_, i) => -i / 32),
  bDec: new Float32Array(8).fill(0.5),
};

function folder(cfgChange: Record<string, unknown> = {}, cfgText?: string): PickedFile[] {
  const cfg = cfgText ?? JSON.stringify({ ...toSaelensCfg(spec), ...cfgChange });
  return [
    { path: "tc/cfg.json", file: new File([cfg], "cfg.json") },
    {
      path: "tc/sae_weights.safetensors",
      file: new File([writeSaelensWeights(params, spec)], "w"),
    },
  ];
}

/** A LoadedWeights whose messages are collected; `next(type)` waits for one. */
function harness(dModel = 8) {
  const seen: FromWorkerLoad[] = [];
  const waiters: (() => void)[] = [];
  const weights = new LoadedWeights({
    post: (m) => {
      seen.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    model: () => Promise.resolve({ config: config(dModel), label: "test-model" }),
  });
  const next = async <T extends FromWorkerLoad["type"]>(type: T, from = 0) => {
    for (;;) {
      const m = seen.slice(from).find((x) => x.type === type);
      if (m) return m as Extract<FromWorkerLoad, { type: T }>;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { weights, seen, next };
}

describe("LoadedWeights", () => {
  it("recognises, reads and exports a SAELens folder", async () => {
    const { weights, next } = harness();
    weights.handle({ type: "load-files", loadId: "a", name: "tc", files: folder() });
    const r = await next("recognized");
    expect(r.description).toContain("d_in 8, d_sae 4, d_out 8");
    expect(r.mismatch).toBeUndefined();
    expect(await next("loaded")).toEqual({ type: "loaded", loadId: "a", exportRefusal: undefined });
    const progress = await next("load-progress");
    expect(progress.loadId).toBe("a");

    weights.handle({ type: "export-loaded", loadId: "a", fileName: "x.zip" });
    const ready = await next("loaded-export-ready");
    const [back] = await readSaelensZip(new Uint8Array(ready.bytes));
    expect(back?.folder).toBe("blocks.1.ln2.hook_normalized");
    expect(back?.params.wDec).toEqual(params.wDec);
  });

  it("says why a dictionary cannot run on the model", async () => {
    const { weights, next } = harness(16);
    weights.handle({ type: "load-files", loadId: "a", name: "tc", files: folder() });
    expect((await next("recognized")).mismatch).toBe(
      "this transcoder reads blocks.1.ln2.hook_normalized → blocks.1.hook_mlp_out of a width-8 " +
        "model; the loaded model is test-model, width 16, 2 layers",
    );
    await next("loaded");
  });

  it("asks for a missing normalization scale until a valid one is given", async () => {
    const { weights, seen, next } = harness();
    const files = folder({ normalize_activations: "expected_average_only_in" });
    weights.handle({ type: "load-files", loadId: "a", name: "tc", files });
    expect((await next("needs-norm-scale")).message).toContain("norm_scaling_factor");
    const asked = seen.length;
    weights.handle({ type: "set-norm-scale", loadId: "a", scale: -1 });
    expect((await next("needs-norm-scale", asked)).message).toContain("positive number");
    weights.handle({ type: "set-norm-scale", loadId: "a", scale: 2 });
    await next("loaded");
    expect(weights.dictionary("a")?.spec.normalizeActivations).toBe("none");
  });

  it("reports a bad file as that load's error, and says nothing of a cancelled load", async () => {
    const { weights, seen, next } = harness();
    weights.handle({ type: "load-files", loadId: "bad", name: "tc", files: folder({}, "{ no") });
    expect((await next("load-error")).message).toMatch(/^tc\/cfg\.json: invalid JSON/);

    weights.handle({ type: "load-files", loadId: "c", name: "tc", files: folder() });
    weights.handle({ type: "cancel-load", loadId: "c" });
    weights.handle({ type: "load-files", loadId: "d", name: "tc", files: folder() });
    await next("loaded");
    expect(seen.filter((m) => m.loadId === "c")).toEqual([]);
    expect(weights.dictionary("c")).toBeUndefined();
  });
});
