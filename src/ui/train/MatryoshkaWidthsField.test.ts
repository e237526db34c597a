import { describe, expect, it } from "vitest";
import { configFromUrl, configToUrl } from "../state/urlState.ts";
import { GPU_DEFAULTS } from "../state/defaults.ts";
import { widthsProblem } from "./MatryoshkaWidthsField.tsx";

describe("the Matryoshka widths field", () => {
  it("accepts empty (the default ladder) and valid widths, and says why others fail", () => {
    expect(widthsProblem("", 512)).toBeUndefined();
    expect(widthsProblem("64,128,256,512", 512)).toBeUndefined();
    expect(widthsProblem("64,128,256", 512)).toBe(
      "the last of matryoshka_widths must be d_sae (512), got 256",
    );
    expect(widthsProblem("128,64,512", 512)).toBe(
      "matryoshka_widths must be strictly increasing (128 then 64)",
    );
    expect(widthsProblem("64;512", 512)).toBe(
      'matryoshka widths "64;512": item 1 ("64;512") is not a positive integer',
    );
  });

  it("keeps the architecture and its widths in the URL; drops widths that do not end at d_sae", () => {
    const url = "sae.arch=matryoshka_batchtopk&sae.dsae=512&sae.k=16&sae.widths=32,128,512";
    const c = configFromUrl(url, GPU_DEFAULTS);
    const sae = c.dictionaries.find((d) => d.kind === "sae")!;
    expect(sae.architecture).toBe("matryoshka_batchtopk");
    expect(sae.k).toBe(16);
    expect(sae.matryoshkaWidths).toEqual([32, 128, 512]);
    const again = configFromUrl(configToUrl(c), GPU_DEFAULTS);
    expect(again.dictionaries.find((d) => d.kind === "sae")).toEqual(sae);

    const stale = configFromUrl(url.replace("sae.dsae=512", "sae.dsae=256"), GPU_DEFAULTS);
    expect(stale.dictionaries.find((d) => d.kind === "sae")!.matryoshkaWidths).toBeUndefined();
    const other = configFromUrl(url.replace("matryoshka_batchtopk", "batchtopk"), GPU_DEFAULTS);
    expect(other.dictionaries.find((d) => d.kind === "sae")!.matryoshkaWidths).toBeUndefined();
  });
});
