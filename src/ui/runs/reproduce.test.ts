import { readFileSync } from "node:fs";
import { join } from "node:path";
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
    config: { ...SOFTWARE_DEFAULTS, steps: 150, dictionaries },
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
  id: "sae",
  kind: "sae",
  site: "hook_mlp_out",
  dSae: 512,
  l1Coefficient: 0.3,
  lr: 0.003,
  ...over,
});
const transcoder = (over: Partial<StreamDictionaryConfig>): StreamDictionaryConfig => ({
  id: "transcoder",
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

/** The keyword names of a call `name(...)` in the script (one `key=value,` per line). */
function keywords(script: string, call: string): string[] {
  const lines = script.split("\n");
  const start = lines.findIndex((l) => l.endsWith(`${call}(`));
  const indent = /^ */.exec(lines[start]!)![0].length + 4;
  const names: string[] = [];
  for (let i = start + 1; !lines[i]!.startsWith(`${" ".repeat(indent - 4)})`); i++) {
    const m = new RegExp(`^ {${indent}}(\\w+)=`).exec(lines[i]!);
    if (m) names.push(m[1]!);
  }
  return names;
}

// Fields read from SAELens 6.18 sae_lens/config.py (LanguageModelSAERunnerConfig) and
// TransformerLens 2.16.1 transformer_lens/HookedTransformerConfig.py.
const RUNNER_FIELDS =
  "sae model_name model_class_name hook_name hook_head_index dataset_path streaming " +
  "is_dataset_tokenized context_size n_batches_in_buffer training_tokens store_batch_size_prompts " +
  "device seed dtype prepend_bos train_batch_size_tokens adam_beta1 adam_beta2 lr " +
  "lr_scheduler_name lr_warm_up_steps lr_end lr_decay_steps dead_feature_window " +
  "model_from_pretrained_kwargs exclude_special_tokens";
const TL_CONFIG_FIELDS =
  "n_layers d_model n_ctx d_head n_heads d_mlp act_fn d_vocab eps original_architecture " +
  "normalization_type device tokenizer_name default_prepend_bos positional_embedding_type";

describe("the SAELens script runs as written", () => {
  const processed = saelensScript(run([sae({})]), 128, "gpt2-brown");

  it("builds the model with the run's TransformerLens processing and hands it to SAELens", () => {
    expect(processed).toContain('MODEL_DIR = "gpt2-brown"');
    expect(processed).toContain("PROCESSING = True ");
    expect(processed).toContain('normalization_type="LNPre" if PROCESSING else "LN",');
    for (const flag of [
      "fold_ln",
      "center_writing_weights",
      "center_unembed",
      "fold_value_biases",
    ]) {
      expect(processed).toContain(`    ${flag}=PROCESSING,\n`);
    }
    // SAELens's load_model would call from_pretrained_no_processing: {} would mean unprocessed.
    expect(processed).toContain(
      'model_from_pretrained_kwargs={"fold_ln": True, "center_writing_weights": True, ' +
        '"center_unembed": True, "fold_value_biases": True},',
    );
    expect(processed).toContain(
      "sae = LanguageModelSAETrainingRunner(cfg, override_model=model).run()",
    );
    expect(processed).not.toContain("path/to");
    const off = saelensScript(
      { ...run([sae({})]), config: { ...run([sae({})]).config, processing: false } },
      128,
      "gpt2-brown",
    );
    expect(off).toContain("PROCESSING = False ");
    expect(off).toContain("model_from_pretrained_kwargs={},");
  });

  it("reads the MLP width from config.json's n_inner, which TransformerLens's GPT-2 conversion ignores", () => {
    expect(processed).toContain("d_mlp=hf.n_inner or 4 * hf.n_embd,");
    const folder = join(import.meta.dirname, "..", "..", "..", "public", "builtin", "gpt2-brown");
    const config = JSON.parse(readFileSync(join(folder, "config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const used = [...processed.matchAll(/\bhf\.(\w+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(5);
    for (const key of used) expect(config, key).toHaveProperty(key);
    expect(config.n_inner).toBe(1024);
    expect(config.n_embd).toBe(128);
  });

  it("passes only keywords SAELens 6.18 and TransformerLens 2.16 define, and imports what it uses", () => {
    const runner = keywords(processed, "cfg = LanguageModelSAERunnerConfig");
    expect(runner).toContain("model_from_pretrained_kwargs");
    for (const k of runner) expect(RUNNER_FIELDS.split(" "), k).toContain(k);
    const tl = keywords(processed, "tl_cfg = HookedTransformerConfig");
    expect(tl).toContain("d_mlp");
    for (const k of tl) expect(TL_CONFIG_FIELDS.split(" "), k).toContain(k);
    for (const name of [
      "torch",
      "HookedTransformer",
      "HookedTransformerConfig",
      "convert_gpt2_weights",
      "GPT2LMHeadModel",
      "AutoTokenizer",
      "StandardTrainingSAEConfig",
      "LanguageModelSAETrainingRunner",
    ]) {
      expect(processed).toMatch(
        new RegExp(`^(import ${name}|from \\S+ import .*\\b${name}\\b)`, "m"),
      );
    }
    let depth = 0;
    for (const ch of processed.replace(/#.*$/gm, "")) {
      depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
  });
});

describe("sparsifyCommand", () => {
  it("keeps a TopK transcoder's k and adds the skip connection", () => {
    const { command, differences } = sparsifyCommand(
      run([transcoder({ architecture: "topk", k: 8, skip: true })], 8),
      "m",
    );
    expect(command).toBe(
      "python -m sparsify m YOUR/tokenized-dataset --transcode --hookpoints h.3.mlp --num_latents 256 " +
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

  it("says how sparsify's initialisation differs", () => {
    const { differences } = sparsifyCommand(run([transcoder({})], 40), "m");
    expect(differences.at(-1)).toBe(
      "Initialisation: sparsify starts W_dec at 0 and, on its first batch, b_dec at mean(y) and " +
        "b_enc at −mean(x)·W_encᵀ (W_enc as nn.Linear draws it); the playground ties W_enc = " +
        "W_decᵀ (decoder rows of norm 0.1) when the widths match, as they do for an MLP " +
        "transcoder here, and starts both biases at 0.",
    );
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
