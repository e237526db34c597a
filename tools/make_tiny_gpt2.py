#!/usr/bin/python3
"""Write a tiny random GPT-2-architecture checkpoint for tests: test/fixtures/gpt2/tiny/.

vocab 101, context 16, width 32, 2 layers, 4 heads, gelu_new MLP of width 128, LayerNorm eps
1e-5. Hugging Face layout: config.json (GPT2Config fields) + model.safetensors (F32, names
WITHOUT the `transformer.` prefix, Conv1D weights [in, out], plus `lm_head.weight` equal to
`wte.weight`, as many HF files have it).

The weights are random but not "freshly initialised": LayerNorm gains 1 + N(0, 0.2^2), LayerNorm
biases and every linear bias N(0, 0.1^2), so that folding the LayerNorms, centring the writing
weights and folding the value biases all change numbers. Weight scales keep activations O(1) and
the attention patterns away from uniform.

Usage: /usr/bin/python3 tools/make_tiny_gpt2.py [--out DIR] [--seed 20240607]
Deterministic: the same seed gives byte-identical files (torch.Generator on the CPU).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_reference import ROOT, write_safetensors  # noqa: E402

VOCAB, N_CTX, D, LAYERS, HEADS, EPS = 101, 16, 32, 2, 4, 1e-5
D_MLP = 4 * D


def config_json():
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": VOCAB,
        "n_positions": N_CTX,
        "n_ctx": N_CTX,
        "n_embd": D,
        "n_layer": LAYERS,
        "n_head": HEADS,
        "n_inner": None,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": EPS,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "bos_token_id": VOCAB - 1,
        "eos_token_id": VOCAB - 1,
        "torch_dtype": "float32",
    }


def make_weights(seed):
    g = torch.Generator().manual_seed(seed)

    def n(*shape, std=1.0, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    w = {"wte.weight": n(VOCAB, D, std=0.5), "wpe.weight": n(N_CTX, D, std=0.3)}
    for l in range(LAYERS):
        h = f"h.{l}."
        w[h + "ln_1.weight"] = n(D, std=0.2, mean=1.0)
        w[h + "ln_1.bias"] = n(D, std=0.1)
        w[h + "attn.c_attn.weight"] = n(D, 3 * D, std=0.25)  # sharper attention than 0.1 would give
        w[h + "attn.c_attn.bias"] = n(3 * D, std=0.1)
        w[h + "attn.c_proj.weight"] = n(D, D, std=0.15)
        w[h + "attn.c_proj.bias"] = n(D, std=0.1)
        w[h + "ln_2.weight"] = n(D, std=0.2, mean=1.0)
        w[h + "ln_2.bias"] = n(D, std=0.1)
        w[h + "mlp.c_fc.weight"] = n(D, D_MLP, std=0.15)
        w[h + "mlp.c_fc.bias"] = n(D_MLP, std=0.1)
        w[h + "mlp.c_proj.weight"] = n(D_MLP, D, std=0.1)
        w[h + "mlp.c_proj.bias"] = n(D, std=0.1)
    w["ln_f.weight"] = n(D, std=0.2, mean=1.0)
    w["ln_f.bias"] = n(D, std=0.1)
    w["lm_head.weight"] = w["wte.weight"].clone()
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures", "gpt2", "tiny"))
    ap.add_argument("--seed", type=int, default=20240607)
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    w = make_weights(args.seed)
    write_safetensors(
        os.path.join(args.out, "model.safetensors"),
        {k: v.numpy().astype("<f4") for k, v in w.items()},
        {"format": "pt", "source": "tools/make_tiny_gpt2.py", "seed": str(args.seed)},
    )
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config_json(), f, indent=2)
        f.write("\n")
    n = sum(v.numel() for k, v in w.items() if k != "lm_head.weight")
    print(f"wrote {args.out}: {n} parameters (+ lm_head.weight tied copy), seed {args.seed}")


if __name__ == "__main__":
    main()
