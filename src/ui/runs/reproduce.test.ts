import { describe, expect, it } from "vitest";
import type { MetricPoint, RunRecord } from "../../storage/runRecord.ts";
import type { StreamDictionaryConfig } from "../../worker/protocol.ts";
import { SOFTWARE_DEFAULTS } from "../state/defaults.ts";
import { saelensScript, sparsifyCommand } from "./reproduce.ts";

function run(dictionaries: StreamDictionaryConfig[], transcoderL0?: number): RunRecord {
  const point = { step: 150, tokens: 19200, l0: transcoderL0 } as MetricPoint;
  return {
    id: "r",
    createdAt: 0,
    config: { ...SOFTWARE_DEFAULTS, dictionaries },
    label: "r",
    color: 0,
    status: "done",
    step: 150,
    tokens: 19200,
    histories: transcoderL0 === undefined ? {} : { transcoder: [point] },
    liveEvals: {},
    evals: {},
    changes: [],
    visible: true,
    elapsedMs: 0,
  };
}

const sae = (over: Partial<StreamDictionaryConfig>): StreamDictionaryConfig => ({
  kind: "sae",
  site: "hook_mlp_out",
  dSae: 512,
  l1Coefficient: 0.3,
  lr: 0.003,
  ...over,
});
const transcoder = (over: Partial<StreamDictionaryConfig>): StreamDictionaryConfig => ({
  kind: "transcoder",
  dSae: 256,
  l1Coefficient: 0.3,
  lr: 0.001,
  ...over,
});

/** The lines of the script's `sae=...(...)` block. */
function saeBlock(script: string): string[] {
  const lines = script.split("\n");
  const start = lines.findIndex((l) => l.startsWith("    sae="));
  const end = lines.indexOf("    ),", start);
  return lines.slice(start, end + 1).map((l) => l.trim());
}

describe("saelensScript", () => {
  it("writes a standard SAE as StandardTrainingSAEConfig with its L1 coefficient", () => {
    const script = saelensScript(run([sae({})]), 128, "m");
    expect(script).toContain("from sae_lens import StandardTrainingSAEConfig\n");
    expect(saeBlock(script)).toEqual([
      "sae=StandardTrainingSAEConfig(",
      "d_in=128,",
      "d_sae=512,",
      "apply_b_dec_to_input=True,",
      'normalize_activations="expected_average_only_in",',
      "decoder_init_norm=0.1,",
      "l1_coefficient=0.3,",
      "l1_warm_up_steps=0,",
      "),",
    ]);
    expect(script).toContain('hook_name="blocks.3.hook_mlp_out",');
    expect(script).toContain("training_tokens=19200,");
  });

  it("writes TopK's k and AuxK coefficient, and no L1 coefficient", () => {
    const script = saelensScript(run([sae({ architecture: "topk", k: 4 })]), 128, "m");
    expect(script).toContain("from sae_lens import TopKTrainingSAEConfig\n");
    expect(saeBlock(script).slice(-5)).toEqual([
      "decoder_init_norm=0.1,",
      "k=4,",
      "aux_loss_coefficient=1.0,",
      "rescale_acts_by_decoder_norm=True,",
      "),",
    ]);
    expect(script).not.toContain("l1_coefficient");
  });

  it("writes BatchTopK's k as a float, with its threshold rate", () => {
    const script = saelensScript(run([sae({ architecture: "batchtopk", k: 16 })]), 128, "m");
    expect(saeBlock(script)[0]).toBe("sae=BatchTopKTrainingSAEConfig(");
    expect(saeBlock(script).slice(-5)).toEqual([
      "k=16.0,",
      "aux_loss_coefficient=1.0,",
      "rescale_acts_by_decoder_norm=True,",
      "topk_threshold_lr=0.01,",
      "),",
    ]);
  });

  it("writes JumpReLU's L0 coefficient, bandwidth, initial threshold and pre-act loss", () => {
    const script = saelensScript(
      run([sae({ architecture: "jumprelu", l0Coefficient: 0.05 })]),
      128,
      "m",
    );
    expect(saeBlock(script).slice(-8)).toEqual([
      "decoder_init_norm=0.1,",
      "l0_coefficient=0.05,",
      "l0_warm_up_steps=0,",
      "jumprelu_init_threshold=0.01,",
      "jumprelu_bandwidth=0.05,",
      'jumprelu_sparsity_loss_mode="step",',
      "pre_act_loss_coefficient=None,",
      "),",
    ]);
    expect(saeBlock(script)[0]).toBe("sae=JumpReLUTrainingSAEConfig(");
  });

  it("is empty without an SAE", () => {
    expect(saelensScript(run([transcoder({})]), 128, "m")).toBe("");
  });
});

describe("sparsifyCommand", () => {
  it("keeps a TopK transcoder's k and adds the skip connection", () => {
    const { command, differences } = sparsifyCommand(
      run([transcoder({ architecture: "topk", k: 8, skip: true })], 8),
      "m",
    );
    expect(command).toBe(
      "python -m sparsify m YOUR/dataset --transcode --hookpoints h.3.mlp --num_latents 256 " +
        "--k 8 --skip_connection --lr 0.001 --batch_size 1 --ctx_len 128",
    );
    expect(differences[0]).toMatch(/^Both are TopK with k = 8, but sparsify applies the ReLU/);
  });

  it("sets k near the L0 a JumpReLU or standard transcoder reached, and says why", () => {
    const jump = sparsifyCommand(
      run([transcoder({ architecture: "jumprelu", l0Coefficient: 0.1 })], 11.6),
      "m",
    );
    expect(jump.command).toContain("--num_latents 256 --k 12 --lr 0.001");
    expect(jump.command).not.toContain("--skip_connection");
    expect(jump.differences[0]).toBe(
      "sparsify has no JumpReLU: the nearest is TopK with k near the L0 this run reached (11.6). " +
        "The playground's learns one threshold per latent with straight-through estimators and " +
        "an L0 penalty (coefficient 0.1).",
    );
    const standard = sparsifyCommand(run([transcoder({})], 40.2), "m");
    expect(standard.command).toContain("--k 40 ");
    expect(standard.differences[0]).toContain("L1 penalty (coefficient 0.3)");
  });

  it("says how many latents a BatchTopK transcoder keeps per batch", () => {
    const { command, differences } = sparsifyCommand(
      run([transcoder({ architecture: "batchtopk", k: 2.5 })]),
      "m",
    );
    expect(command).toContain("--k 3 ");
    // 2.5 per token over batches of 128 tokens.
    expect(differences[0]).toContain("int(k·batch) = 320 latents per batch (2.5 per token");
  });
});
