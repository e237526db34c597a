/** `npm run attribute -- --help`: every flag, the node ids and order, and the output files. */

export const ATTRIBUTE_USAGE =
  "usage: npm run attribute -- --model builtin|DIR --transcoders PATH... --prompt TEXT " +
  "[--max-logits 10] [--logit-prob 0.95] [--node-threshold 0.8] [--edge-threshold 0.98] " +
  "[--max-feature-nodes 7500] [--batch-rows 256] [--slug S] [--adjacency FILE.safetensors] " +
  "--out DIR/SLUG.json";

export const DEFAULTS = {
  maxLogits: 10,
  logitProb: 0.95,
  nodeThreshold: 0.8,
  edgeThreshold: 0.98,
  /** circuit-tracer's command line (its Python API visits every feature). */
  maxFeatureNodes: 7500,
  /** circuit-tracer's command line (batch_size). */
  batchRows: 256,
} as const;

export const ATTRIBUTE_HELP = `${ATTRIBUTE_USAGE}

Builds circuit-tracer's attribution graph of the prompt through the replacement model (every
transcoder of the set in place of its layer's MLP, attention patterns and LayerNorm scales
frozen), computes its edges by batched backward passes on the GPU (WebGPU; SwiftShader without
one), prunes it as circuit-tracer does and writes circuit-tracer's graph file. Progress goes to
stderr; a summary (nodes and edges before and after pruning, replacement and completeness
scores of the full and the pruned graph, backward passes, rows per pass, seconds) to stdout.

  --model builtin|DIR    the built-in model, or a folder with config.json + model.safetensors
                         (Hugging Face GPT-2)
  --no-processing        use the raw weights (default: TransformerLens processing, which the
                         set must have been trained on, as npm run train does)
  --transcoders PATH...  the transcoder set: a set folder written by npm run train --layers
                         (or a run's Download set zip), a circuit-tracer config.yaml (its layer
                         files beside it), or per-layer files or folders of any format
                         npm run convert reads; a layer without a transcoder keeps its MLP
                         (its output is one error node per position)
  --prompt TEXT          the prompt (GPT-2 BPE); <|endoftext|> is put first when it does not
                         start with it, and it must fit the model's context with it
  --max-logits N         circuit-tracer's max_n_logits: at most N logit nodes (default ${DEFAULTS.maxLogits})
  --logit-prob P         circuit-tracer's desired_logit_prob: the fewest top logits whose
                         probabilities sum to P, up to --max-logits (default ${DEFAULTS.logitProb})
  --node-threshold T     keep the nodes holding a share T of the total node influence
                         (default ${DEFAULTS.nodeThreshold}); embedding and logit nodes are always kept
  --edge-threshold T     then keep the edges holding a share T of the edge influence
                         (default ${DEFAULTS.edgeThreshold})
  --max-feature-nodes N  feature rows to compute; when the prompt has more active features, they
                         are visited by their estimated influence on the logits, as
                         circuit-tracer does, and the rest are dropped (default ${DEFAULTS.maxFeatureNodes}, as
                         circuit-tracer's command line)
  --batch-rows B         target rows per backward pass (circuit-tracer's batch_size, default ${DEFAULTS.batchRows})
  --slug S               metadata.slug (default: --out's file name without .json).
                         circuit-tracer's viewer opens a graph as {slug}.json in its folder
  --out DIR/SLUG.json    the graph file; DIR/graph-metadata.json gets its metadata (added to
                         the list if the file exists), so circuit-tracer's viewer can open DIR
  --adjacency FILE.safetensors
                         also write the full, unpruned adjacency (see below)

Nodes, as circuit-tracer's graph holds them, with L layers, P tokens
(BOS included) and ℓ a layer, p a position, f a feature index, t a token id:
  feature     node_id {ℓ}_{f}_{p}    an active transcoder latent; value: its activation
  error       node_id {ℓ}_-1_{p}     layer ℓ's MLP output minus its transcoder's output
  embedding   node_id E_{t}_{p}      W_E[t] + W_pos[p] (GPT-2 has position embeddings, which
                                     circuit-tracer's models lack: both are in the node)
  logit       node_id {L+1}_{t}_{P-1} a salient next token; its value is the centred logit
Order of the adjacency's rows and columns: [features, by (layer, position, feature)]
[errors, ℓ·P + p][embeddings, p][logits, most probable first]. Rows are targets, columns
sources: A[target, source] is the target's change per unit of the source (a feature's
pre-activation, a logit's logit − mean(logits)) with patterns and LayerNorm scales frozen.
Only feature and logit rows are non-zero. BOS: position 0's features and errors are zeroed
(circuit-tracer's zero_positions), so its MLP outputs are constants. A target's value is the sum
of its row plus its constant: biases (b_O, b_dec, b_enc, b_U) and the BOS MLP outputs.

graph.json: {metadata, qParams, nodes, links}, circuit-tracer's field names and meanings
(create_graph_files.py): metadata.scan is the model's name, prompt_tokens the tokens with BOS,
schema_version 1 (a feature node's "feature" is the Cantor pairing of (layer, f)); nodes hold
the kept nodes on a kept edge plus every embedding and logit node, with "influence" their
cumulative share of the graph's influence (lower is more important); links are the kept edges
{source, target, weight = A[target, source]}.

--adjacency FILE.safetensors: every edge before pruning, as safetensors:
  adjacency            F32 [n, n]  rows = targets, columns = sources, in the order above
  tokens               I32 [P]     the prompt's token ids, BOS first
  logit_tokens         I32 [K]     the logit nodes' token ids
  logit_probabilities  F32 [K]     their probabilities at the last position
  features             I32 [F, 3]  the feature nodes' (layer, position, feature index)
  activations          F32 [F]     their activations
  __metadata__: node_ids (a JSON array of the n node ids in order), prompt, scan, and
  n_features, n_errors, n_embeddings, n_logits.`;
