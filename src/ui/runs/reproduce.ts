import type { RunRecord } from "../../storage/runRecord.ts";

const py = (v: number | boolean | string) =>
  typeof v === "boolean"
    ? v
      ? "True"
      : "False"
    : typeof v === "string"
      ? JSON.stringify(v)
      : String(v);

/**
 * The SAELens 6 training script for the run's SAE, every setting we share mapped to its
 * SAELens name. The dataset is the user's to choose (the built-in Brown corpus is not on the Hub).
 */
export function saelensScript(run: RunRecord, dModel: number, modelPath: string): string {
  const c = run.config;
  const sae = c.dictionaries.find((d) => d.kind === "sae");
  if (!sae) return "";
  const site = sae.site ?? "hook_resid_pre";
  return `from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner
from sae_lens import StandardTrainingSAEConfig

cfg = LanguageModelSAERunnerConfig(
    sae=StandardTrainingSAEConfig(
        d_in=${dModel},
        d_sae=${sae.dSae},
        apply_b_dec_to_input=True,
        normalize_activations=${py(c.normalize)},
        decoder_init_norm=0.1,
        l1_coefficient=${py(sae.l1Coefficient)},
        l1_warm_up_steps=0,
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
    dead_feature_window=1000,
    seed=${c.seed},
    device="cuda",
)
sae = LanguageModelSAETrainingRunner(cfg).run()
`;
}

/** The nearest sparsify command for the run's transcoder, and what differs, said plainly. */
export function sparsifyCommand(
  run: RunRecord,
  modelPath: string,
): { command: string; differences: string[] } {
  const c = run.config;
  const t = c.dictionaries.find((d) => d.kind === "transcoder");
  if (!t) return { command: "", differences: [] };
  const command =
    `python -m sparsify ${modelPath} YOUR/dataset --transcode --hookpoints h.${c.layer}.mlp ` +
    `--num_latents ${t.dSae} --k 32 --lr ${t.lr} --batch_size ${Math.max(1, Math.round(c.batchSize / 128))} ` +
    `--ctx_len 128`;
  const differences = [
    `sparsify trains TopK transcoders (k latents per token); the playground's is ReLU with an L1 penalty (coefficient ${t.l1Coefficient}), so choose k near the L0 this run reached.`,
    "sparsify reads the MLP's input after ln_2's gain and bias, on raw Hugging Face weights; the playground reads blocks.L.ln2.hook_normalized with TransformerLens processing (before the gain and bias).",
    "sparsify's loss is the FVU of the MLP output and its decoder rows are kept at unit norm; the playground's is SAELens's MSE + L1 · ||W_dec|| with free decoder norms.",
    `sparsify's --batch_size counts sequences (here ${c.batchSize} tokens ≈ ${Math.max(1, Math.round(c.batchSize / 128))} of 128) and it scales the learning rate with the width unless --lr is given.`,
    "sparsify has no normalize_activations, no L1 warm-up and no spliced-in CE evaluation during training.",
  ];
  return { command, differences };
}
