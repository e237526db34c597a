import { resolveMatryoshkaWidths } from "../../engine/dictionary/matryoshkaWidths.ts";
import { ARCHITECTURE_DEFAULTS as SL } from "../../engine/reference/architectureSpec.ts";
import { last, seedOf, type RunRecord } from "../../storage/runRecord.ts";
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
    case "matryoshka_batchtopk":
      return {
        name: "MatryoshkaBatchTopKTrainingSAEConfig",
        fields: [
          `k=${pyFloat(k)}`,
          `matryoshka_widths=[${resolveMatryoshkaWidths(sae.matryoshkaWidths ?? [], sae.dSae).join(", ")}]`,
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

/** TransformerLens's weight processing as from_pretrained applies it (load_and_process_state_dict). */
const PROCESSING_FLAGS = [
  "fold_ln",
  "center_writing_weights",
  "center_unembed",
  "fold_value_biases",
];

/**
 * The SAELens 6 training script for the run's SAE, every setting we share mapped to its SAELens
 * name, runnable as written once MODEL_DIR holds the model's Hugging Face folder and
 * dataset_path a tokenized dataset (the built-in Brown corpus is not on the Hub).
 *
 * Written against (read, not copied):
 * - SAELens 6.18 sae_lens/llm_sae_training_runner.py: LanguageModelSAETrainingRunner(cfg,
 *   override_model=...) uses the model given instead of load_model(); sae_lens/load_model.py:
 *   load_model loads a HookedTransformer with from_pretrained_no_processing(model_name,
 *   **model_from_pretrained_kwargs), so `{}` means no processing; sae_lens/config.py:
 *   LanguageModelSAERunnerConfig's fields, and __post_init__ replacing a None
 *   model_from_pretrained_kwargs by {"center_writing_weights": False}.
 * - TransformerLens 2.16 (SAELens 6.18 asks for ^2.16.1): HookedTransformer.from_pretrained
 *   accepts only official model names (loading.get_official_model_name), and even with hf_model=
 *   takes the architecture from that name's config; convert_hf_model_config sets a GPT-2's
 *   d_mlp = 4·n_embd, ignoring n_inner. So the script writes the HookedTransformerConfig out,
 *   converts the Hugging Face weights with pretrained/weight_conversions/gpt2.py's
 *   convert_gpt2_weights and processes them with load_and_process_state_dict, as from_pretrained
 *   does (fold_ln makes the LayerNorms LNPre, as get_pretrained_model_config does).
 */
export function saelensScript(run: RunRecord, dModel: number, modelDir: string): string {
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
  const processing = py(c.processing);
  const kwargs = c.processing
    ? `{${PROCESSING_FLAGS.map((f) => `"${f}": True`).join(", ")}}`
    : "{}";
  return `import torch
from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner
from sae_lens import ${cls.name}
from transformer_lens import HookedTransformer, HookedTransformerConfig
from transformer_lens.pretrained.weight_conversions import convert_gpt2_weights
from transformers import AutoTokenizer, GPT2LMHeadModel

MODEL_DIR = ${py(modelDir)}  # the model's Hugging Face folder: config.json + model.safetensors
PROCESSING = ${processing}  # TransformerLens weight processing, as the run had it
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

# HookedTransformer.from_pretrained loads only TransformerLens's own model names and sets a
# GPT-2's d_mlp to 4 * d_model, so the config is written out from the folder's config.json and
# the weights converted and processed as from_pretrained does.
hf_model = GPT2LMHeadModel.from_pretrained(MODEL_DIR, torch_dtype=torch.float32)
hf = hf_model.config
tl_cfg = HookedTransformerConfig(
    n_layers=hf.n_layer,
    d_model=hf.n_embd,
    n_heads=hf.n_head,
    d_head=hf.n_embd // hf.n_head,
    d_mlp=hf.n_inner or 4 * hf.n_embd,
    n_ctx=hf.n_positions,
    d_vocab=hf.vocab_size,
    act_fn=hf.activation_function,
    eps=hf.layer_norm_epsilon,
    normalization_type="LNPre" if PROCESSING else "LN",
    original_architecture="GPT2LMHeadModel",
    device=DEVICE,
)
model = HookedTransformer(tl_cfg, tokenizer=AutoTokenizer.from_pretrained("gpt2"))
model.load_and_process_state_dict(
    convert_gpt2_weights(hf_model, tl_cfg),
${PROCESSING_FLAGS.map((f) => `    ${f}=PROCESSING,`).join("\n")}
)

cfg = LanguageModelSAERunnerConfig(
    sae=${cls.name}(
${fields.map((f) => `        ${f},`).join("\n")}
    ),
    model_name=${py(modelDir)},  # recorded in the SAE's metadata; the model is passed below
    model_from_pretrained_kwargs=${kwargs},  # what SAELens's load_model would need
    hook_name=${py(`blocks.${c.layer}.${site}`)},
    dataset_path="YOUR/tokenized-dataset",  # GPT-2 tokens; the playground trains on the Brown corpus
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
    seed=${seedOf(run, "sae")},  # the SAE's seed in the playground (torch draws other weights from it)
    device=DEVICE,
)
sae = LanguageModelSAETrainingRunner(cfg, override_model=model).run()
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
    case "matryoshka_batchtopk":
      return {
        k: Math.max(1, Math.round(k)),
        text: `sparsify has no ${t.architecture === "batchtopk" ? "BatchTopK" : "Matryoshka BatchTopK"}: it keeps exactly k latents per token. The playground's keeps int(k·batch) = ${Math.trunc(k * batchSize)} latents per batch (${k} per token on average), with AuxK${t.architecture === "batchtopk" ? "" : " and a reconstruction loss for each nested prefix of the latents"}, and is saved as a JumpReLU whose threshold is the running minimum kept activation.`,
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
  modelDir: string,
): { command: string; differences: string[] } {
  const c = run.config;
  const t = c.dictionaries.find((d) => d.kind === "transcoder");
  if (!t) return { command: "", differences: [] };
  const arch = architectureDifference(t, last(run.histories.transcoder)?.l0, c.batchSize);
  const sequences = Math.max(1, Math.round(c.batchSize / 128));
  const command =
    `python -m sparsify ${modelDir} YOUR/tokenized-dataset --transcode --hookpoints h.${c.layer}.mlp ` +
    `--num_latents ${t.dSae} --k ${arch.k}${t.skip ? " --skip_connection" : ""} ` +
    `--lr ${t.lr} --batch_size ${sequences} --ctx_len 128`;
  const differences = [
    arch.text,
    "sparsify reads the MLP's input after ln_2's gain and bias, on raw Hugging Face weights; the playground reads blocks.L.ln2.hook_normalized with TransformerLens processing (before the gain and bias).",
    "sparsify's loss is the FVU of the MLP output and its decoder rows are kept at unit norm; the playground's is SAELens's MSE plus its architecture's term, with free decoder norms.",
    `sparsify's --batch_size counts sequences (here ${c.batchSize} tokens ≈ ${sequences} of 128) and it scales the learning rate with the width unless --lr is given.`,
    "sparsify has no normalize_activations, no L1 warm-up and no spliced-in CE evaluation during training.",
    "Initialisation: sparsify starts W_dec at 0 and, on its first batch, b_dec at mean(y) and b_enc at −mean(x)·W_encᵀ (W_enc as nn.Linear draws it); the playground ties W_enc = W_decᵀ (decoder rows of norm 0.1) when the widths match, as they do for an MLP transcoder here, and starts both biases at 0.",
  ];
  return { command, differences };
}
