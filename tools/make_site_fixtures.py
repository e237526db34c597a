"""Files whose site or orientation each format's own loader decides, with the latents and outputs
that format's own forward pass gives (float64, written out from each project's code), for
src/engine/formats/recognize/siteFormats.test.ts:

- site_sparsify_transcoder: a sparsify transcoder on GPT-2 module h.1.mlp of the tiny model
  (test/fixtures/gpt2/tiny, whose ln_2 has gain != 1 and bias != 0). sparsify's trainer hooks the
  MLP module and reads its inputs[0], i.e. ln_2(resid_mid) with ln_2's gain and bias; expected =
  encode(ln_2(resid_mid)) of the unprocessed checkpoint, on the tokens given.
- site_circuit_tracer: circuit-tracer's layer_1.safetensors (W_enc [d_sae, d], W_dec [d, d_sae],
  W_skip), read by its ReplacementModel at mlp.hook_in (fold_ln=False): same model and tokens.
- square_circuit_tracer / square_mwhanna: d_sae = d_model, so W_dec's orientation is not told by
  its shape; circuit-tracer's load_relu_transcoder (transposes W_enc and W_dec, needs W_skip) and
  SAELens's mwhanna loader (transposes W_enc only, no W_skip), on given MLP inputs.
- gemma_scope_mlp / gemma_scope_att / gemma_scope_embedding: Gemma Scope 1 params.npz under the
  release folders SAELens's gemma_2 loader names sites from; the embedding SAE with its
  W_enc / sqrt(d_in), W_dec * sqrt(d_in) rescale, on given inputs.

    /usr/bin/python3 tools/make_site_fixtures.py

Debian's python3-torch and python3-numpy; deterministic (seed 11). Writes new folders under
test/fixtures/formats/ (tools/make_format_fixtures.py owns the others).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_reference import forward_hf, load_model, write_safetensors  # noqa: E402

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "formats")
TINY = os.path.join(HERE, "..", "test", "fixtures", "gpt2", "tiny")
g = torch.Generator().manual_seed(11)
LAYER, K = 1, 4
TOKENS = [100, 5, 17, 42, 9, 77, 3, 60, 31, 88]


def rand(*shape, scale=1.0):
    return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * scale


def f32(t):
    """What a file stores; expected values are computed from the stored f32 weights."""
    return t.to(torch.float32).to(torch.float64)


def path(folder, *parts):
    p = os.path.join(OUT, folder, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write_expected(folder, latents, outputs, **extra):
    with open(path(folder, "expected.json"), "w") as f:
        json.dump({**extra, "latents": latents.flatten().tolist(), "outputs": outputs.flatten().tolist()}, f)


def st(folder, name, tensors):
    write_safetensors(path(folder, name), {k: v.to(torch.float32).numpy() for k, v in tensors.items()})


# ---------------------------------------------------------------- the MLP input of the tiny model
model = load_model(TINY)
D = model.cfg["d_model"]
hf = forward_hf(model, TOKENS)
resid_mid = hf[f"blocks.{LAYER}.hook_resid_mid"]
ln2_w, ln2_b = model.hf[f"h.{LAYER}.ln_2.weight"], model.hf[f"h.{LAYER}.ln_2.bias"]
# GPT2MLP's input: GPT2Block calls self.mlp(self.ln_2(hidden_states)).
mlp_input = torch.nn.functional.layer_norm(resid_mid, (D,), ln2_w, ln2_b, model.cfg["eps"])
assert torch.allclose(mlp_input, hf[f"blocks.{LAYER}.mlp_input"])
assert (ln2_w - 1).abs().max() > 0.05 and ln2_b.abs().max() > 0.05, "ln_2 must not be the identity"


# ---------------------------------------------------------------- sparsify transcoder
def sparsify_transcoder():
    M = 48
    w = {"encoder.weight": rand(M, D, scale=0.4), "encoder.bias": rand(M, scale=0.2),
         "W_dec": rand(M, D, scale=0.5), "b_dec": rand(D, scale=0.3), "W_skip": rand(D, D, scale=0.2)}
    folder = "site_sparsify_transcoder"
    with open(path(folder, "h.1.mlp", "cfg.json"), "w") as f:
        json.dump({"activation": "topk", "expansion_factor": 0, "normalize_decoder": True, "num_latents": M,
                   "k": K, "multi_topk": False, "skip_connection": True, "transcode": True, "d_in": D}, f)
    st(folder, "h.1.mlp/sae.safetensors", w)
    w = {k: f32(v) for k, v in w.items()}
    # SparseCoder.encode: no b_dec shift when transcode; fused_encoder: relu(x W^T + b), top k.
    pre = torch.relu(mlp_input @ w["encoder.weight"].T + w["encoder.bias"])
    vals, idx = pre.topk(K, dim=-1, sorted=False)
    latents = torch.zeros_like(pre).scatter(-1, idx, vals)
    # SparseCoder.forward: decode(top_acts, top_indices) + x @ W_skip.mT
    outputs = latents @ w["W_dec"] + w["b_dec"] + mlp_input @ w["W_skip"].T
    write_expected(folder, latents, outputs, tokens=TOKENS, layer=LAYER)


# ---------------------------------------------------------------- circuit-tracer transcoder
def circuit_tracer_forward(w, x):
    """load_relu_transcoder + SingleLayerTranscoder.forward: W_enc and W_dec transposed on load."""
    W_enc, W_dec = w["W_enc"].T, w["W_dec"].T
    acts = torch.relu(x @ W_enc + w["b_enc"])
    return acts, acts @ W_dec + w["b_dec"] + x @ w["W_skip"].T


def circuit_tracer():
    M = 40
    w = {"W_enc": rand(M, D, scale=0.4), "b_enc": rand(M, scale=0.2), "W_dec": rand(D, M, scale=0.5),
         "b_dec": rand(D, scale=0.3), "W_skip": rand(D, D, scale=0.2)}
    folder = "site_circuit_tracer"
    st(folder, f"layer_{LAYER}.safetensors", w)
    latents, outputs = circuit_tracer_forward({k: f32(v) for k, v in w.items()}, mlp_input)
    write_expected(folder, latents, outputs, tokens=TOKENS, layer=LAYER)


# ---------------------------------------------------------------- square W_dec, both writers
ROWS = 6
X = rand(ROWS, D, scale=2.0)


def square_circuit_tracer():
    w = {"W_enc": rand(D, D, scale=0.4), "b_enc": rand(D, scale=0.2), "W_dec": rand(D, D, scale=0.5),
         "b_dec": rand(D, scale=0.3), "W_skip": rand(D, D, scale=0.2)}
    folder = "square_circuit_tracer"
    st(folder, "layer_2.safetensors", w)
    latents, outputs = circuit_tracer_forward({k: f32(v) for k, v in w.items()}, X)
    write_expected(folder, latents, outputs, rows=ROWS, x=X.flatten().tolist())


def square_mwhanna():
    w = {"W_enc": rand(D, D, scale=0.4), "b_enc": rand(D, scale=0.2), "W_dec": rand(D, D, scale=0.5),
         "b_dec": rand(D, scale=0.3)}
    folder = "square_mwhanna"
    st(folder, "layer_2.safetensors", w)
    w = {k: f32(v) for k, v in w.items()}
    # mwhanna_transcoder_huggingface_loader: W_enc transposed, W_dec as stored; SAELens Transcoder
    # (architecture "transcoder"): relu(x @ W_enc + b_enc) @ W_dec + b_dec.
    latents = torch.relu(X @ w["W_enc"].T + w["b_enc"])
    write_expected(folder, latents, latents @ w["W_dec"] + w["b_dec"], rows=ROWS, x=X.flatten().tolist())


# ---------------------------------------------------------------- Gemma Scope 1 sites
GD, GM = 8, 12


def gemma_scope(folder, release_path, embedding=False):
    params = {"W_enc": rand(GD, GM), "W_dec": rand(GM, GD), "b_enc": rand(GM, scale=0.3),
              "b_dec": rand(GD, scale=0.5), "threshold": rand(GM, scale=0.3).abs()}
    np.savez(path(folder, *release_path.split("/"), "params.npz"),
             **{k: v.to(torch.float32).numpy() for k, v in params.items()})
    w = {k: f32(v) for k, v in params.items()}
    if embedding:
        # gemma_2_sae_huggingface_loader, "embedding" in folder_name
        w["W_enc"] = w["W_enc"] / np.sqrt(GD)
        w["W_dec"] = w["W_dec"] * np.sqrt(GD)
    x = rand(ROWS, GD, scale=2.0)
    # SAELens JumpReLUSAE: relu(pre) * (pre > threshold), no b_dec shift (apply_b_dec_to_input False)
    pre = x @ w["W_enc"] + w["b_enc"]
    f = torch.relu(pre) * (pre > w["threshold"])
    write_expected(folder, f, f @ w["W_dec"] + w["b_dec"], rows=ROWS, x=x.flatten().tolist())


sparsify_transcoder()
circuit_tracer()
square_circuit_tracer()
square_mwhanna()
gemma_scope("gemma_scope_mlp", "gemma-scope-2b-pt-mlp/layer_5/width_16k/average_l0_53")
gemma_scope("gemma_scope_att", "gemma-scope-2b-pt-att/layer_3/width_16k/average_l0_40")
gemma_scope("gemma_scope_embedding", "gemma-scope-2b-pt-res/embedding/width_4k/average_l0_6", embedding=True)
print("wrote", os.path.normpath(OUT))
