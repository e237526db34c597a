import { describe, expect, it } from "vitest";
import { initDictionary } from "../engine/dictionary/init.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { saelensZip } from "../engine/formats/saelensZip.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import { LoadedWeights } from "./loadedWeights.ts";
import type { FromWorkerLoad } from "./protocol.ts";

const config: Gpt2Config = {
  vocabSize: 50257,
  nCtx: 128,
  dModel: 8,
  nLayer: 2,
  nHead: 2,
  dHead: 4,
  dMlp: 32,
  lnEps: 1e-5,
  activation: "gelu_new",
};
const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 8,
  dSae: 6,
  dOut: 8,
  applyBDecToInput: false,
  hookName: "blocks.1.ln2.hook_normalized",
  hookNameOut: "blocks.1.hook_mlp_out",
  modelName: "gpt2-brown",
  normalizeActivations: "none",
};
const sae: DictionarySpec = {
  ...transcoder,
  kind: "sae",
  applyBDecToInput: true,
  hookName: "blocks.1.hook_mlp_out",
};

describe("LoadedWeights with a zip of folders", () => {
  it("splits a run's Download into one item per folder, each recognised and loaded", async () => {
    const dicts = [
      { folder: "sae", spec: sae, params: initDictionary(sae, 3) },
      { folder: "transcoder", spec: transcoder, params: initDictionary(transcoder, 4) },
    ];
    const zip = saelensZip(dicts);
    const seen: FromWorkerLoad[] = [];
    let wake = () => {};
    const weights = new LoadedWeights({
      post: (m) => {
        seen.push(m);
        wake();
      },
      model: () => Promise.resolve({ config, label: "test-model" }),
    });
    const loadedCount = () => seen.filter((m) => m.type === "loaded").length;
    weights.handle({
      type: "load-files",
      loadId: "z",
      name: "my run.zip",
      files: [{ path: "my run.zip", file: new File([new Uint8Array(zip)], "my run.zip") }],
    });
    while (loadedCount() < 2 && !seen.some((m) => m.type === "load-error")) {
      await new Promise<void>((r) => (wake = r));
    }
    expect(seen[0]).toEqual({
      type: "load-split",
      loadId: "z",
      parts: [
        { loadId: "z.1", name: "my run.zip/sae" },
        { loadId: "z.2", name: "my run.zip/transcoder" },
      ],
    });
    // The split load says nothing more; each part has its own messages.
    expect(seen.slice(1).every((m) => m.loadId !== "z")).toBe(true);
    const recognized = seen.filter((m) => m.type === "recognized");
    expect(recognized.map((m) => [m.loadId, m.description.split(" · ").slice(0, 2)])).toEqual(
      expect.arrayContaining([
        ["z.1", ["SAELens 6", "standard SAE"]],
        ["z.2", ["SAELens 6", "transcoder"]],
      ]),
    );
    expect(weights.dictionary("z.1")?.params.wDec).toEqual(dicts[0]!.params.wDec);
    expect(weights.dictionary("z.2")?.params.wEnc).toEqual(dicts[1]!.params.wEnc);
    expect(weights.name("z.2")).toBe("my run.zip/transcoder");
  });

  it("reports a zip that is not a zip as the load's error", async () => {
    const seen: FromWorkerLoad[] = [];
    let wake = () => {};
    const weights = new LoadedWeights({
      post: (m) => {
        seen.push(m);
        wake();
      },
      model: () => Promise.resolve({ config, label: "test-model" }),
    });
    weights.handle({
      type: "load-files",
      loadId: "z",
      name: "bad.zip",
      files: [{ path: "bad.zip", file: new File(["PK not really"], "bad.zip") }],
    });
    while (seen.length === 0) await new Promise<void>((r) => (wake = r));
    expect(seen[0]).toMatchObject({ type: "load-error", loadId: "z" });
    expect((seen[0] as { message: string }).message).toMatch(/^bad\.zip: /);
  });
});
