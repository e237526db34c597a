/**
 * expected_average_only_in: training with normalization must equal training on pre-scaled
 * activations, with the scales folded into the exported weights.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTrain } from "../src/cli/runTrain.ts";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { openSafetensors, writeSafetensors } from "../src/engine/formats/safetensors.ts";
import { foldNormalization } from "../src/engine/train/normalization.ts";
import { openFileByteSource } from "../src/node/fileByteSource.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";
import { testDevice } from "../src/node/testDevice.ts";

const dir = mkdtempSync(join(tmpdir(), "norm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const golden = join(import.meta.dirname, "fixtures", "golden");

async function readTensor(path: string, name: string) {
  const src = await openFileByteSource(path);
  try {
    const f = await openSafetensors(src);
    return { data: await f.readF32(name), shape: f.info(name).shape };
  } finally {
    await src.close();
  }
}

function maxScaledDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

describe("normalize expected_average_only_in", () => {
  for (const kind of ["sae", "transcoder"] as const) {
    it(`${kind}: equals training on scaled activations, folded on export`, async () => {
      const { device } = await testDevice();
      const shaders = loadNodeShaders();
      const data = join(golden, kind, "acts.safetensors");
      const common = ["--kind", kind, "--d-sae", "40", "--l1", "0.5", "--lr", "0.003"];
      const more = ["--batch", "25", "--steps", "12", "--seed", "5", "--log-every", "4"];
      const normalized = await runTrain(
        parseTrainCommand([
          ...["--data", data, ...common, ...more, "--normalize", "expected_average_only_in"],
          ...["--out", join(dir, `${kind}-norm`)],
        ]) as TrainCommand,
        device,
        shaders,
      );
      const { sIn, sOut } = normalized;
      // sqrt(d) / mean ||x||, computed here independently.
      const x = await readTensor(data, "x");
      const [rows, width] = x.shape as [number, number];
      let sumNorms = 0;
      for (let r = 0; r < rows; r++) {
        let sq = 0;
        for (let c = 0; c < width; c++) sq += x.data[r * width + c]! ** 2;
        sumNorms += Math.sqrt(sq);
      }
      expect(sIn).toBeCloseTo(Math.sqrt(width) / (sumNorms / rows), 5);
      if (kind === "sae") expect(sOut).toBe(sIn);
      else expect(sOut).not.toBeCloseTo(sIn, 2);

      const tensors = [
        { name: "x", dtype: "F32" as const, shape: x.shape, data: x.data.map((v) => v * sIn) },
      ];
      if (kind === "transcoder") {
        const y = await readTensor(data, "y");
        tensors.push({
          name: "y",
          dtype: "F32",
          shape: y.shape,
          data: y.data.map((v) => v * sOut),
        });
      }
      const scaledPath = join(dir, `${kind}-scaled.safetensors`);
      writeFileSync(scaledPath, writeSafetensors(tensors));
      const plain = await runTrain(
        parseTrainCommand([
          ...["--data", scaledPath, ...common, ...more, "--out", join(dir, `${kind}-plain`)],
        ]) as TrainCommand,
        device,
        shaders,
      );
      const folded = foldNormalization(plain.params, sIn, sOut);
      const saved = await loadSaelensFolder(join(dir, `${kind}-norm`));
      for (const t of ["wEnc", "bEnc", "wDec", "bDec"] as const) {
        expect(maxScaledDiff(saved.params[t], folded[t]), t).toBeLessThan(1e-4);
      }
      expect(normalized.metrics).toHaveLength(3);
      normalized.metrics.forEach((m, k) => {
        expect(m.mse_loss / plain.metrics[k]!.mse_loss).toBeCloseTo(1, 5);
      });
      expect(saved.spec.normalizeActivations).toBe("none");
    });
  }
});
