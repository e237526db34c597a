import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { initDictionary } from "../dictionary/init.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { bytesByteSource } from "./byteSource.ts";
import { recognize } from "./recognize/index.ts";
import { saelensZip } from "./saelensZip.ts";
import { zipFolders } from "./zipFolders.ts";

const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 8,
  dSae: 12,
  dOut: 8,
  applyBDecToInput: false,
  hookName: "blocks.1.ln2.hook_normalized",
  hookNameOut: "blocks.1.hook_mlp_out",
  modelName: "gpt2-brown (built-in)",
  normalizeActivations: "none",
  contextSize: 128,
  prependBos: false,
  excludeSpecialTokens: true,
};
const sae: DictionarySpec = {
  ...transcoder,
  kind: "sae",
  applyBDecToInput: true,
  hookName: "blocks.1.hook_mlp_out",
  hookNameOut: "blocks.1.hook_mlp_out",
};

const runZip = () => {
  const dicts = [
    { folder: "sae", spec: sae, params: initDictionary(sae, 1) },
    {
      folder: "transcoder",
      spec: transcoder,
      params: initDictionary(transcoder, 2),
      sparsity: Float32Array.from({ length: 12 }, (_, i) => -i / 3),
    },
  ];
  return { dicts, zip: saelensZip(dicts) };
};

const names = (bytes: Uint8Array, zipName = "run.zip") =>
  zipFolders(bytesByteSource(bytes, zipName), zipName).then((fs) =>
    fs.map((f) => ({ folder: f.folder, name: f.set.name, files: [...f.set.files.keys()].sort() })),
  );

describe("zipFolders", () => {
  it("opens a run's Download as one SAELens dictionary per folder, with the weights it was written with", async () => {
    const { dicts, zip } = runZip();
    const folders = await zipFolders(bytesByteSource(zip, "run.zip"), "run.zip");
    expect(folders.map((f) => f.folder)).toEqual(["sae", "transcoder"]);
    for (const d of dicts) {
      const { set } = folders.find((f) => f.folder === d.folder)!;
      expect(set.name).toBe(`run.zip/${d.folder}`);
      const r = await recognize(set);
      expect(r.kind).toBe("dictionary");
      if (r.kind !== "dictionary") continue;
      expect(r.format).toBe("SAELens 6");
      const loaded = await r.load();
      expect(loaded.spec).toMatchObject({
        kind: d.spec.kind,
        hookName: d.spec.hookName,
        hookNameOut: d.spec.hookNameOut,
        dSae: 12,
      });
      expect(loaded.params.wEnc).toEqual(d.params.wEnc);
      expect(loaded.params.wDec).toEqual(d.params.wDec);
      expect(loaded.params.bDec).toEqual(d.params.bDec);
    }
  });

  it("looks through wrapping folders, keeps a folder with files whole, and drops macOS litter", async () => {
    const f = strToU8("{}");
    const wrapped = zipSync({
      "runs/": new Uint8Array(0),
      "runs/a/cfg.json": f,
      "runs/a/sae_weights.safetensors": f,
      "runs/b/cfg.json": f,
      "__MACOSX/runs/._a": f,
      "runs/.DS_Store": f,
    });
    expect(await names(wrapped)).toEqual([
      { folder: "a", name: "run.zip/runs/a", files: ["a/cfg.json", "a/sae_weights.safetensors"] },
      { folder: "b", name: "run.zip/runs/b", files: ["b/cfg.json"] },
    ]);
    // Llama Scope: hyperparams.json beside checkpoints/: one item, not two.
    const llama = zipSync({ "L3R/hyperparams.json": f, "L3R/checkpoints/final.safetensors": f });
    expect(await names(llama, "l3r.zip")).toEqual([
      {
        folder: "L3R",
        name: "l3r.zip/L3R",
        files: ["checkpoints/final.safetensors", "hyperparams.json"],
      },
    ]);
    const flat = zipSync({ "cfg.json": f, "sae_weights.safetensors": f });
    expect(await names(flat, "one.zip")).toEqual([
      { folder: "one", name: "one.zip", files: ["cfg.json", "sae_weights.safetensors"] },
    ]);
  });

  it("says what a torch.save archive or an empty zip is instead of splitting it", async () => {
    const torch = zipSync({ "ae/data.pkl": strToU8("x"), "ae/version": strToU8("3") });
    await expect(names(torch, "ae.zip")).rejects.toThrow(
      'ae.zip: is a torch.save archive (it holds "ae/data.pkl"), not a zip of folders; name it .pt',
    );
    await expect(names(zipSync({ "empty/": new Uint8Array(0) }), "e.zip")).rejects.toThrow(
      "e.zip: the zip holds no files",
    );
    await expect(names(strToU8("not a zip at all"), "x.zip")).rejects.toThrow(
      "x.zip: not a zip archive",
    );
  });
});
