/** What each Train setting does, shown in its (i) (one place, so the words stay consistent). */
export const SETTING_HELP = {
  layer: "The transformer block whose activations both dictionaries train on (0 is the first).",
  batch:
    "Tokens per training step. The model runs over windows of the corpus; every token's " +
    "activations are one training row.",
  steps: "Training steps. Tokens trained = steps × batch.",
  logEvery:
    "Read the metrics (FVU, L0, dead latents, losses, feature density) back from the GPU every " +
    "this many steps. Fewer reads, faster training.",
  seed:
    "Seeds the order of the corpus windows and each dictionary's initial weights (each " +
    "dictionary gets its own seed derived from this one). The same seed and settings give the " +
    "same run.",
  evalWindows:
    "Held-out windows of the corpus for the final evaluation: each dictionary is spliced into " +
    "the model there and scored (ce_loss_score, kl_div_score), as SAELens's evals do. 0 skips it.",
  liveEvery:
    "How often (in steps) to measure ce_loss_score while training, on 2 held-out windows (the " +
    "final evaluation uses Eval windows). 0: automatically, so that it takes about 10% of the " +
    "training time.",
  processing:
    "Load the model as TransformerLens does by default (fold_ln, center_writing_weights, " +
    "center_unembed), so the hooks' activations are the ones SAELens trains on. Off: the raw " +
    "checkpoint's activations.",
  normalize:
    "SAELens's normalize_activations = expected_average_only_in: inputs are multiplied by one " +
    "constant, √d / mean ‖x‖ measured on the stream before training, and the constant is folded " +
    "back into the saved weights. Off: none.",
  saeHook:
    "Where the SAE reads and reconstructs. It defaults to hook_mlp_out, the transcoder's target, " +
    "so both reconstruct the same activations and their scores compare.",
  transcoder:
    "A transcoder reads the MLP's input (ln2.hook_normalized) and predicts its output " +
    "(hook_mlp_out) through sparse latents: an interpretable stand-in for the MLP. An SAE " +
    "reconstructs the activations it reads.",
  architecture:
    "Standard: ReLU latents with an L1 penalty. TopK: the k largest latents of each token. " +
    "BatchTopK: the k × batch largest over the batch (saved as JumpReLU with its threshold). " +
    "Matryoshka BatchTopK: BatchTopK plus a reconstruction loss for each nested prefix of the " +
    "latents (SAELens's matryoshka_batchtopk). " +
    "JumpReLU: a learned threshold per latent with an L0 penalty.",
  dSae: "The number of latents (dictionary features).",
  l1: "Weight of the L1 sparsity penalty (SAELens's l1_coefficient, on latents × ‖W_dec row‖).",
  k: "Latents kept per token (TopK) or per token on average over the batch (BatchTopK, Matryoshka).",
  matryoshkaWidths:
    "SAELens's matryoshka_widths: the nested prefixes of the latents, each with its own " +
    "reconstruction loss; strictly increasing, the last = d_sae. Empty: d_sae/8, /4, /2, d_sae.",
  l0: "Weight of the L0 sparsity penalty (SAELens's l0_coefficient), through the threshold's straight-through estimator.",
  lr: "Adam's learning rate.",
  skip: "Adds W_skip x to the transcoder's output: a dense linear path beside the sparse one.",
} as const;
