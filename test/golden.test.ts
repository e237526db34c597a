/**
 * The command-line trainer against an independent float64 PyTorch implementation of
 * training-math.md (tools/torch_reference.py): 50 steps from a given init, both kinds.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { runTrain } from "../src/cli/runTrain.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

interface GoldenCase {
  kind: "sae" | "transcoder";
  l1: number;
  lr: number;
  batch: number;
  steps: number;
}

const fixtures = join(import.meta.dirname, "fixtures", "golden");
const outRoot = mkdtempSync(join(tmpdir(), "golden-"));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

describe("50 steps of npm run train agree with PyTorch (float64)", () => {
  for (const name of ["sae", "transcoder"]) {
    it(name, async () => {
      const dir = join(fixtures, name);
      const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as GoldenCase;
      const out = join(outRoot, name);
      const cmd = parseTrainCommand([
        ...["--data", join(dir, "acts.safetensors"), "--kind", c.kind, "--init", join(dir, "init")],
        ...["--l1", String(c.l1), "--lr", String(c.lr), "--batch", String(c.batch)],
        ...["--steps", String(c.steps), "--log-every", "1", "--out", out],
      ]) as TrainCommand;
      const { device } = await testDevice();
      const result = await runTrain(cmd, device, loadNodeShaders());

      const expected = await loadSaelensFolder(join(dir, "expected"));
      const written = await loadSaelensFolder(out);
      for (const t of ["wEnc", "bEnc", "wDec", "bDec"] as const) {
        const err = relativeError(written.params[t], expected.params[t]);
        expect(err, `${name} ${t}: relative error`).toBeLessThan(1e-4);
      }
      expect(written.spec).toMatchObject({
        kind: c.kind,
        dIn: expected.spec.dIn,
        dSae: expected.spec.dSae,
      });

      const reference = readFileSync(join(dir, "expected", "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, number>);
      const logged = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, number>);
      expect(logged).toHaveLength(c.steps);
      expect(result.metrics).toHaveLength(c.steps);
      for (let s = 0; s < c.steps; s++) {
        const ref = reference[s]!;
        const got = logged[s]!;
        expect(got.step).toBe(ref.step);
        expect(got.l0).toBe(ref.l0);
        for (const key of ["mse_loss", "l1_loss", "loss", "explained_variance", "grad_norm"]) {
          expect(Math.abs(got[key]! - ref[key]!), `step ${s + 1} ${key}`).toBeLessThan(
            1e-4 * Math.max(1, Math.abs(ref[key]!)),
          );
        }
      }
    });
  }
});
