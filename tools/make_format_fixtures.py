"""Small files in the published dictionary formats that are pickles or npz, with the latents
and outputs each format's own forward pass gives (float64, written out from each project's
code), for src/engine/formats/recognize/publishedFormats.test.ts.

    /usr/bin/python3 tools/make_format_fixtures.py

Debian's python3-torch and python3-numpy; deterministic (seed 5). Writes test/fixtures/formats/.
"""
import json
import os
import sys
import types

import numpy as np
import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "formats")
D, M, ROWS, K = 8, 12, 6, 3
g = torch.Generator().manual_seed(5)


def rand(*shape, scale=1.0):
    return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * scale


X = rand(ROWS, D, scale=2.0)


def f32(t):
    """What the file stores; the expected values are computed from the stored f32 weights."""
    return t.to(torch.float32)


def write(folder, expected_latents, expected_outputs):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    with open(os.path.join(OUT, folder, "expected.json"), "w") as f:
        json.dump(
            {
                "rows": ROWS,
                "x": [round(v, 9) for v in X.flatten().tolist()],
                "latents": expected_latents.flatten().tolist(),
                "outputs": expected_outputs.flatten().tolist(),
            },
            f,
        )


def path(folder, *parts):
    p = os.path.join(OUT, folder, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def d64(t):
    return t.to(torch.float64)


# ---------------------------------------------------------------- transcoder_circuits
# sae_training.config.LanguageModelSAERunnerConfig pickled as transcoder_circuits saves it.
sae_training = types.ModuleType("sae_training")
config_mod = types.ModuleType("sae_training.config")


class LanguageModelSAERunnerConfig:
    pass


LanguageModelSAERunnerConfig.__module__ = "sae_training.config"
config_mod.LanguageModelSAERunnerConfig = LanguageModelSAERunnerConfig
sys.modules["sae_training"] = sae_training
sys.modules["sae_training.config"] = config_mod


def transcoder_circuits():
    cfg = LanguageModelSAERunnerConfig()
    cfg.__dict__.update(
        model_name="gpt2-small", hook_point="blocks.3.ln2.hook_normalized", out_hook_point="blocks.3.hook_mlp_out",
        is_transcoder=True, d_in=D, d_out=D, d_sae=M, device=torch.device("cpu"), dtype=torch.float32,
    )
    sd = {k: f32(v) for k, v in dict(W_enc=rand(D, M), b_enc=rand(M, scale=0.3), W_dec=rand(M, D),
                                     b_dec=rand(D, scale=0.5), b_dec_out=rand(D, scale=0.5)).items()}
    folder = "transcoder_circuits"
    torch.save({"cfg": cfg, "state_dict": sd}, path(folder, f"final_sparse_autoencoder_gpt2-small_blocks.3.ln2.hook_normalized_{M}.pt"))
    w = {k: d64(v) for k, v in sd.items()}
    f = torch.relu((X - w["b_dec"]) @ w["W_enc"] + w["b_enc"])
    write(folder, f, f @ w["W_dec"] + w["b_dec_out"])


# ---------------------------------------------------------------- OpenAI sparse_autoencoder
def openai_weights(latent_bias_shift=0.0):
    return {
        "pre_bias": f32(rand(D, scale=0.3)),
        "encoder.weight": f32(rand(M, D)),
        "latent_bias": f32(rand(M, scale=0.3) + latent_bias_shift),
        "decoder.weight": f32(rand(D, M)),
        "stats_last_nonzero": torch.zeros(M, dtype=torch.long),
    }


def openai_topk(folder, postact_fn, latent_bias_shift=0.0):
    sd = {**openai_weights(latent_bias_shift), "activation": "TopK",
          "activation_state_dict": {"k": K, "postact_fn": postact_fn}}
    torch.save(sd, path(folder, "resid_post_mlp_v5_32k", "autoencoders", "2.pt"))
    # model.py: normalize = activation == "TopK": LN (unbiased std, eps 1e-5) -> (x - pre_bias)
    # @ W_enc^T + latent_bias -> TopK: topk values through postact_fn (ReLU or Identity), the
    # rest 0 -> decoder + pre_bias -> * std + mu
    mu = X.mean(-1, keepdim=True)
    xc = X - mu
    std = xc.std(-1, keepdim=True)
    xn = xc / (std + 1e-5)
    pre = (xn - d64(sd["pre_bias"])) @ d64(sd["encoder.weight"]).T + d64(sd["latent_bias"])
    top = torch.topk(pre, K, dim=-1)
    values = torch.relu(top.values) if postact_fn == "ReLU" else top.values
    f = torch.zeros_like(pre).scatter_(-1, top.indices, values)
    recons = f @ d64(sd["decoder.weight"]).T + d64(sd["pre_bias"])
    write(folder, f, recons * std + mu)


def openai_without_activation():
    # from_state_dict: state_dict.pop("activation", "ReLU"), normalize only for "TopK":
    # ReLU((x - pre_bias) @ W_enc^T + latent_bias) -> decoder + pre_bias, no LN.
    sd = openai_weights()
    folder = "openai_no_activation"
    torch.save(sd, path(folder, "resid_delta_mlp_v5_32k", "autoencoders", "5.pt"))
    w = {k: d64(v) for k, v in sd.items() if v.is_floating_point()}
    f = torch.relu((X - w["pre_bias"]) @ w["encoder.weight"].T + w["latent_bias"])
    write(folder, f, f @ w["decoder.weight"].T + w["pre_bias"])


# ---------------------------------------------------------------- dictionary_learning
def dl_folder(name, dict_class, sd, extra_trainer=None, config=True):
    """ae.pt, and config.json unless `config` is False (the class is then the user's choice)."""
    folder = f"dictionary_learning_{name}"
    torch.save(sd, path(folder, "ae.pt"))
    trainer = {"dict_class": dict_class, "activation_dim": D, "dict_size": M, "layer": 3,
               "lm_name": "gpt2", "submodule_name": "resid_post_layer_3", **(extra_trainer or {})}
    if config:
        with open(path(folder, "config.json"), "w") as fh:
            json.dump({"trainer": trainer}, fh)
    return folder, {k: d64(v) for k, v in sd.items() if torch.is_tensor(v) and v.is_floating_point()}


def column_norms(scale_lo, scale_hi, rows, cols):
    """A [rows, cols] matrix whose columns have norms spread over [scale_lo, scale_hi]."""
    w = rand(rows, cols)
    return w / w.norm(dim=0, keepdim=True) * torch.linspace(scale_lo, scale_hi, cols, dtype=torch.float64)


def dl_topk_weights(threshold):
    return {"encoder.weight": f32(rand(M, D)), "encoder.bias": f32(rand(M, scale=0.3)), "decoder.weight": f32(rand(D, M)),
            "b_dec": f32(rand(D, scale=0.5)), "k": torch.tensor(K, dtype=torch.int),
            "threshold": torch.tensor(threshold, dtype=torch.float32)}


def dl_topk_expected(folder, w):
    # AutoEncoderTopK.encode: ReLU(encoder(x - b_dec)) then top-k; decode: decoder(f) + b_dec
    post = torch.relu((X - w["b_dec"]) @ w["encoder.weight"].T + w["encoder.bias"])
    top = torch.topk(post, K, dim=-1)
    f = torch.zeros_like(post).scatter_(-1, top.indices, top.values)
    write(folder, f, f @ w["decoder.weight"].T + w["b_dec"])


def dl_batchtopk_expected(folder, w):
    # BatchTopKSAE.encode (use_threshold=True): ReLU(pre) * (ReLU(pre) > threshold)
    post = torch.relu((X - w["b_dec"]) @ w["encoder.weight"].T + w["encoder.bias"])
    f = post * (post > w["threshold"])
    write(folder, f, f @ w["decoder.weight"].T + w["b_dec"])


def dictionary_learning():
    # AutoEncoder.from_pretrained(normalize_decoder=True): decoder columns (norms 0.1 to 3 here)
    # divided by their norms n, encoder rows and encoder.bias multiplied by n; then
    # encode = ReLU(encoder(x - bias)), decode = decoder(f) + bias.
    folder, w = dl_folder("autoencoder", "AutoEncoder", {
        "bias": f32(rand(D, scale=0.5)), "encoder.weight": f32(rand(M, D)), "encoder.bias": f32(rand(M, scale=0.3)),
        "decoder.weight": f32(column_norms(0.1, 3.0, D, M))})
    n = w["decoder.weight"].norm(dim=0)
    enc, enc_b, dec = w["encoder.weight"] * n[:, None], w["encoder.bias"] * n, w["decoder.weight"] / n
    f = torch.relu((X - w["bias"]) @ enc.T + enc_b)
    write(folder, f, f @ dec.T + w["bias"])

    folder, w = dl_folder("topk", "AutoEncoderTopK", dl_topk_weights(-1.0), {"k": K})
    dl_topk_expected(folder, w)

    folder, w = dl_folder("batchtopk", "BatchTopKSAE", dl_topk_weights(0.4), {"k": K})
    dl_batchtopk_expected(folder, w)

    # The same two classes as ae.pt alone: identical tensors, so the loader is told the class.
    folder, w = dl_folder("topk_no_config", "AutoEncoderTopK", dl_topk_weights(0.2), config=False)
    dl_topk_expected(folder, w)
    folder, w = dl_folder("batchtopk_no_config", "BatchTopKSAE", dl_topk_weights(0.4), config=False)
    dl_batchtopk_expected(folder, w)

    # GatedAutoEncoder.encode (normalize_decoder=False, its default): not scaled by the decoder
    # column norms (0.2 to 2.5 here)
    folder, w = dl_folder("gated", "GatedAutoEncoder", {
        "decoder_bias": f32(rand(D, scale=0.5)), "encoder.weight": f32(rand(M, D)), "r_mag": f32(rand(M, scale=0.5)),
        "gate_bias": f32(rand(M, scale=0.3)), "mag_bias": f32(rand(M, scale=0.3)),
        "decoder.weight": f32(column_norms(0.2, 2.5, D, M))})
    x_enc = (X - w["decoder_bias"]) @ w["encoder.weight"].T
    f_gate = (x_enc + w["gate_bias"] > 0).to(torch.float64)
    f = f_gate * torch.relu(w["r_mag"].exp() * x_enc + w["mag_bias"])
    write(folder, f, f @ w["decoder.weight"].T + w["decoder_bias"])

    # JumpReluAutoEncoder.encode (apply_b_dec_to_input False): ReLU(pre * (pre > threshold)),
    # not scaled by the W_dec row norms (2 here)
    folder, w = dl_folder("jumprelu", "JumpReluAutoEncoder", {
        "W_enc": f32(rand(D, M)), "b_enc": f32(rand(M, scale=0.3)), "W_dec": f32(column_norms(2.0, 2.0, D, M).T),
        "b_dec": f32(rand(D, scale=0.5)), "threshold": f32(rand(M, scale=0.2).abs())})
    pre = X @ w["W_enc"] + w["b_enc"]
    f = torch.relu(pre * (pre > w["threshold"]))
    write(folder, f, f @ w["W_dec"] + w["b_dec"])


# ---------------------------------------------------------------- Gemma Scope 1 (npz)
def gemma_scope_1():
    params = {"W_enc": rand(D, M), "W_dec": rand(M, D), "b_enc": rand(M, scale=0.3), "b_dec": rand(D, scale=0.5),
              "threshold": rand(M, scale=0.3).abs()}
    folder = "gemma_scope_1"
    np.savez(path(folder, "layer_4", "width_16k", "average_l0_10", "params.npz"),
             **{k: v.to(torch.float32).numpy() for k, v in params.items()})
    w = {k: d64(f32(v)) for k, v in params.items()}
    pre = X @ w["W_enc"] + w["b_enc"]
    f = torch.relu(pre) * (pre > w["threshold"])
    write(folder, f, f @ w["W_dec"] + w["b_dec"])


transcoder_circuits()
openai_topk("openai", "ReLU")
# latent_bias 2 lower: most rows' top-k values include negative ones, which Identity keeps.
openai_topk("openai_identity", "Identity", latent_bias_shift=-2.0)
openai_without_activation()
dictionary_learning()
gemma_scope_1()
print("wrote", os.path.normpath(OUT))
