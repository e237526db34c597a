import { describe, expect, it } from "vitest";
import { GPU_DEFAULTS } from "../ui/state/defaults.ts";
import {
  dictionaryTitle,
  fileSafe,
  isGenericName,
  nextRunName,
  recognizedTitle,
  runFolderName,
  runZipName,
  specTitle,
  withNames,
} from "./runNames.ts";

const run = { id: "run-mxdf20n2", name: "run 3", step: 150, config: GPU_DEFAULTS };

describe("run and dictionary names", () => {
  it("names a run's dictionary by the run, the kind, the site and the width", () => {
    expect(dictionaryTitle(run, "transcoder")).toBe("run 3 · transcoder · blocks.3.mlp · 2048");
    expect(dictionaryTitle(run, "sae")).toBe("run 3 · SAE · blocks.3.hook_mlp_out · 2048");
    // A record without a name (never saved with one) falls back to its id.
    expect(dictionaryTitle({ ...run, name: undefined }, "sae")).toMatch(/^run-mxdf20n2 · SAE/);
  });

  it("names downloads by the run and the step, folders by the dictionary", () => {
    expect(runZipName(run)).toBe("run-3-step-150-saelens.zip");
    expect(runFolderName(run, "transcoder")).toBe("run-3_transcoder_blocks.3.mlp_2048");
    expect(runFolderName({ ...run, name: "l1 = 1, 'wide'/../x" }, "sae")).toBe(
      "l1-1-wide-..-x_SAE_blocks.3.hook_mlp_out_2048",
    );
    expect(runZipName({ ...run, name: "../.." })).toBe("run-step-150-saelens.zip");
    expect(fileSafe("a · blocks.1.hook_z → blocks.1.hook_resid_post · 8")).toBe(
      "a_blocks.1.hook_z-to-blocks.1.hook_resid_post_8",
    );
  });

  it("numbers new runs past the highest number, and names old records by creation order", () => {
    expect(nextRunName([])).toBe("run 1");
    expect(nextRunName([{ name: "run 1" }, { name: "wide" }, { name: "run 7" }])).toBe("run 8");
    expect(nextRunName([{ name: "a" }, { name: "b" }])).toBe("run 3");
    const named = withNames([{ name: undefined }, { name: "run 2" }, { name: undefined }]);
    expect(named.map((r) => r.name)).toEqual(["run 1", "run 2", "run 3"]);
  });

  it("names loose files by what was recognised, and keeps a name that says something", () => {
    const loose = "cfg.json, sae_weights.safetensors, sparsity.safetensors";
    expect(isGenericName(loose)).toBe(true);
    expect(isGenericName("ae.pt")).toBe(true);
    expect(isGenericName("cfg.json, a.safetensors and 2 more")).toBe(false);
    expect(isGenericName("blocks.8.hook_resid_pre")).toBe(false);
    const details = {
      dictionary: "transcoder",
      hook_name: "blocks.1.ln2.hook_normalized",
      hook_name_out: "blocks.1.hook_mlp_out",
      d_sae: 64,
    };
    expect(recognizedTitle(loose, details)).toBe("transcoder · blocks.1.mlp · 64");
    expect(
      recognizedTitle(loose, { ...details, dictionary: "sae", hook_name_out: undefined }),
    ).toBe("SAE · blocks.1.ln2.hook_normalized · 64");
    expect(recognizedTitle("my-folder", details)).toBe("my-folder");
    expect(recognizedTitle(loose, { kind: "model" })).toBe(loose);
    expect(
      specTitle({
        kind: "transcoder",
        hookName: "blocks.2.hook_resid_mid",
        hookNameOut: "blocks.2.hook_mlp_out",
        dSae: 8,
      }),
    ).toBe("transcoder · blocks.2.hook_resid_mid → blocks.2.hook_mlp_out · 8");
  });
});
