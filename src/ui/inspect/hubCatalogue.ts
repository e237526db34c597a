/**
 * Ready choices for GPT-2 small on the Hugging Face Hub. Sources: SAELens v6.18.0
 * `sae_lens/pretrained_saes.yaml` (release gpt2-small-res-jb: repo
 * jbloom/GPT2-Small-SAEs-Reformatted, one folder `blocks.L.hook_resid_pre` per layer), and
 * transcoder_circuits' `setup.sh` (repo pchlenski/gpt2-transcoders, files
 * `final_sparse_autoencoder_gpt2-small_blocks.L.ln2.hook_normalized_24576.pt`).
 */
import type { HubLoadSource } from "../../worker/protocol.ts";

export interface CatalogueEntry {
  id: string;
  title: string;
  /** One line on what it is and what the page does with it. */
  blurb: string;
  /** Layers to pick from (0..layers-1); absent when there is one item. */
  layers?: number;
  /** The location of the item for a layer (0 when there are no layers). */
  source: (layer: number) => Omit<HubLoadSource, "endpoint">;
}

export const GPT2_SMALL_CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: "gpt2",
    title: "GPT-2 small (the model)",
    blurb:
      "openai-community/gpt2: config.json + model.safetensors, 548 MB (only its header is read)",
    source: () => ({ repo: "openai-community/gpt2", path: "", pathKind: "folder" }),
  },
  {
    id: "gpt2-small-res-jb",
    title: "SAEs: gpt2-small-res-jb",
    blurb: "SAELens's residual-stream SAEs (Joseph Bloom), d_sae 24576, at blocks.L.hook_resid_pre",
    layers: 12,
    source: (layer) => ({
      repo: "jbloom/GPT2-Small-SAEs-Reformatted",
      path: `blocks.${layer}.hook_resid_pre`,
      pathKind: "folder",
    }),
  },
  {
    id: "gpt2-transcoders",
    title: "Transcoders: transcoder_circuits",
    blurb:
      "Dunefsky et al.'s MLP transcoders, d_sae 24576, ln2.hook_normalized → hook_mlp_out (torch .pt)",
    layers: 12,
    source: (layer) => ({
      repo: "pchlenski/gpt2-transcoders",
      path: `final_sparse_autoencoder_gpt2-small_blocks.${layer}.ln2.hook_normalized_24576.pt`,
      pathKind: "file",
    }),
  },
];
