import { describe, expect, it } from "vitest";
import { dataUseLines } from "./runTrain.ts";

const cmd = { data: "acts.safetensors", batch: 4096, steps: 10_000, logEvery: 10, shuffle: false };

describe("train --data: what the run says before its first step", () => {
  it("a batch larger than the file is a warning, with the passes over it", () => {
    expect(dataUseLines({ rows: 1000 }, cmd)).toEqual([
      "data: acts.safetensors has 1000 rows; 10000 steps of 4096 read 40960000 rows (40960 passes over the file, in file order, wrapping around)",
      "warning: --batch 4096 is larger than the file's 1000 rows: every batch holds some rows more than once",
      "training 10000 steps; metrics every 10 steps (the first at step 10)",
    ]);
  });

  it("a file read less than once, shuffled, gets no warning", () => {
    const lines = dataUseLines({ rows: 1_000_000 }, { ...cmd, steps: 100, shuffle: true });
    expect(lines[0]).toBe(
      "data: acts.safetensors has 1000000 rows; 100 steps of 4096 read 409600 rows (0.41 passes over the file, shuffled)",
    );
    expect(lines.some((l) => l.startsWith("warning"))).toBe(false);
  });
});
