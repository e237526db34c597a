import { ARCHITECTURE_DEFAULTS as SL } from "../../engine/reference/architectureSpec.ts";
import { last, type RunRecord } from "../../storage/runRecord.ts";
import type { StreamDictionaryConfig } from "../../worker/protocol.ts";
import { DEFAULT_K, DEFAULT_L0_COEFFICIENT } from "../state/defaults.ts";

const py = (v: number | boolean | string | null) =>
  v === null
    ? "None"
    : typeof v === "boolean"
      ? v
        ? "True"
        : "False"
      : typeof v === "string"
        ? JSON.stringify(v)
        : String(v);

/** A Python float literal (BatchTopK's k is a float in SAELens). */
const pyFloat = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));

/**
 * The SAELens 6 training-config class for the SAE's architecture and the fields it reads,
 * with the values the playground trains with (the engine's SAELens defaults for the rest).
 */
function saeConfigClass(sae: StreamDictionaryConfig): { name: string; fields: string[] } {
  const k = sae.k ?? DEFAULT_K;
  switch (sae.architecture ?? "standard") {
    case "standard":
      return {
        name: "StandardTrainingSAEConfig",
        fields: [`l1_coefficient=${py(sae.l1Coefficient)}`, "l1_warm_up_steps=0"],
      };
    case "topk":
      return {
        name: "TopKTrainingSAEConfig",
        fields: [
          `k=${k}`,
          `aux_loss_coefficient=${pyFloat(SL.auxLossCoefficient)}`,
          `rescale_acts_by_decoder_norm=${py(SL.rescaleActsByDecoderNorm)}`,
        ],
      };
    case "batchtopk":
      return {
        name: "BatchTopKTrainingSAEConfig",
        fields: [
          `k=${pyFloat(k)}`,
          `aux_loss_coefficient=${pyFloat(SL.auxLossCoefficient)}`,
          `rescale_acts_by_decoder_norm=${py(SL.rescaleActsByDecoderNorm)}`,
          `topk_threshold_lr=${SL.topkThresholdLr}`,
        ],
      };
    case "jumprelu":
      return {
        name: "JumpReLUTrainingSAEConfig",
        fields: [
          `l0_coefficient=${py(sae.l0Coefficient ?? DEFAULT_L0_COEFFICIENT)}`,
          "l0_warm_up_steps=0",
          `jumprelu_init_threshold=${SL.jumpreluInitThreshold}`,
          `jumprelu_bandwidth=${SL.jumpreluBandwidth}`,
          `jumprelu_sparsity_loss_mode=${py(SL.jumpreluSparsityLossMode)}`,
          // SAELens's None (off) is the engine's 0.
          `pre_act_loss_coefficient=${SL.preActLossCoefficient === 0 ? "None" : SL.preActLossCoefficient}`,
        ],
      };
  }
}

/**
 * The SAELens 6 training script for the run's SAE, every setting we share mapped to its
 * SAELens name. The dataset is the user's to choose (the built-in Brown corpus is not on the Hub).
 */
export function saelensScript(run: RunRecord, dModel: number, modelPath: string): string {
  const c = run.config;
  const sae = c.dictionaries.find((d) => d.kind === "sae");
  if (!sae) return "";
  const site = sae.site ?? "hook_resid_pre";
  const cls = saeConfigClass(sae);
  const fields = [
    `d_in=${dModel}`,
    `d_sae=${sae.dSae}`,
    "apply_b_dec_to_input=True",
    `normalize_activations=${py(c.normalize)}`,
    "decoder_init_norm=0.1",
    ...cls.fields,
  ];
  return `from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner
from sae_lens import ${cls.name}

cfg = LanguageModelSAERunnerConfig(
    sae=${cls.name}(
${fields.map((f) => `        ${f},`).join("\n")}
    ),
    # our model: an HF GPT-2 folder (download it from the page's public/builtin/gpt2-brown)
    model_name=${py(modelPath)},
    model_from_pretrained_kwargs=${c.processing ? "{}" : '{"fold_ln": False, "center_writing_weights": False, "center_unembed": False, "fold_value_biases": False}'},
    hook_name=${py(`blocks.${c.layer}.${site}`)},
    dataset_path="YOUR/tokenized-dataset",  # the playground trains on the Brown corpus
    is_dataset_tokenized=True,
    context_size=128,
    prepend_bos=False,
    exclude_special_tokens=True,
    training_tokens=${c.steps * c.batchSize},
    train_batch_size_tokens=${c.batchSize},
    n_batches_in_buffer=20,
    store_batch_size_prompts=8,
    lr=${py(sae.lr)},
    lr_scheduler_name="constant",
    lr_warm_up_steps=0,
    lr_decay_steps=0,
    adam_beta1=0.9,
    adam_beta2=0.999,
    dead_feature_window=${SL.deadFeatureWindow},
    seed=${c.seed},
    device="cuda",
)
sae = LanguageModelSAETrainingRunner(cfg).run()
`;
}

/** What the transcoder's architecture does that sparsify's TopK does not, and its nearest k. */
function architectureDifference(
  t: StreamDictionaryConfig,
  l0: number | undefined,
  batchSize: number,
) {
  const k = t.k ?? DEFAULT_K;
  const reached = l0 !== undefined ? ` (${Number(l0.toPrecision(3))})` : "";
  switch (t.architecture ?? "standard") {
    case "topk":
      return {
        k,
        text: `Both are TopK with k = ${k}, but sparsify applies the ReLU before choosing the top k, and the playground (as SAELens) after, on pre-activations scaled by the decoder norms (rescale_acts_by_decoder_norm). The playground's AuxK (coefficient ${SL.auxLossCoefficient}) reconstructs the residual from latents dead for ${SL.deadFeatureWindow} steps; sparsify's AuxK is off unless --auxk_alpha is set, and counts a latent dead after 10M tokens.`,
      };
    case "batchtopk":
      return {
        k: Math.max(1, Math.round(k)),
        text: `sparsify has no BatchTopK: it keeps exactly k latents per token. The playground's keeps int(k·batch) = ${Math.trunc(k * batchSize)} latents per batch (${k} per token on average), with AuxK, and is saved as a JumpReLU whose threshold is the running minimum kept activation.`,
      };
    case "jumprelu":
      return {
        k: Math.max(1, Math.round(l0 ?? DEFAULT_K)),
        text: `sparsify has no JumpReLU: the nearest is TopK with k near the L0 this run reached${reached}. The playground's learns one threshold per latent with straight-through estimators and an L0 penalty (coefficient ${t.l0Coefficient ?? DEFAULT_L0_COEFFICIENT}).`,
      };
    case "standard":
      return {
        k: Math.max(1, Math.round(l0 ?? DEFAULT_K)),
        text: `sparsify trains TopK transcoders (k latents per token); the playground's is ReLU with an L1 penalty (coefficient ${t.l1Coefficient}), so k is set near the L0 this run reached${reached}.`,
      };
  }
}

/** The nearest sparsify command for the run's transcoder, and what differs, said plainly. */
export function sparsifyCommand(
  run: RunRecord,
  modelPath: string,
): { command: string; differences: string[] } {
  const c = run.config;
  const t = c.dictionaries.find((d) => d.kind === "transcoder");
  if (!t) return { command: "", differences: [] };
  const arch = architectureDifference(t, last(run.histories.transcoder)?.l0, c.batchSize);
  const sequences = Math.max(1, Math.round(c.batchSize / 128));
  const command =
    `python -m sparsify ${modelPath} YOUR/dataset --transcode --hookpoints h.${c.layer}.mlp ` +
    `--num_latents ${t.dSae} --k ${arch.k}${t.skip ? " --skip_connection" : ""} ` +
    `--lr ${t.lr} --batch_size ${sequences} --ctx_len 128`;
  const differences = [
    arch.text,
    "sparsify reads the MLP's input after ln_2's gain and bias, on raw Hugging Face weights; the playground reads blocks.L.ln2.hook_normalized with TransformerLens processing (before the gain and bias).",
    "sparsify's loss is the FVU of the MLP output and its decoder rows are kept at unit norm; the playground's is SAELens's MSE plus its architecture's term, with free decoder norms.",
    `sparsify's --batch_size counts sequences (here ${c.batchSize} tokens ≈ ${sequences} of 128) and it scales the learning rate with the width unless --lr is given.`,
    "sparsify has no normalize_activations, no L1 warm-up and no spliced-in CE evaluation during training.",
  ];
  return { command, differences };
}
