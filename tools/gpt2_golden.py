#!/usr/bin/python3
"""Golden GPT-2 activations (TransformerLens hook names) for the WGSL forward's tests.

For each prompt P (token ids) and MODE in {processed, unprocessed} (see tools/gpt2_reference.py)
the output safetensors file holds:
  tokens.P                              I32 [T]
  MODE.P.logits                         F32 [T, V]      when V <= 1024, otherwise
  MODE.P.logits_head                    F32 [T, 1024]   the first 1024 vocabulary columns, and
  MODE.P.logsumexp                      F32 [T]         logsumexp over the full vocabulary (f64)
  MODE.P.blocks.L.<hook>                F32 [T, d_model] for every layer L and hook in
      hook_resid_pre, hook_attn_out, hook_resid_mid, ln2.hook_normalized, hook_mlp_out,
      hook_resid_post
and, with --params, the processed TransformerLens parameters as params.<TL name> (F32).
Everything is computed in float64 and rounded to f32 once, when written. Every prompt is
self-checked first (gpt2_reference.self_check: the two modes agree on log_softmax to 1e-9, the
processed residual writes have zero mean over d_model, ...).

Usage:
  /usr/bin/python3 tools/gpt2_golden.py --preset tiny      # test/fixtures/gpt2/tiny/golden.safetensors
  /usr/bin/python3 tools/gpt2_golden.py --preset builtin   # test/fixtures/gpt2/builtin-golden.safetensors
  /usr/bin/python3 tools/gpt2_golden.py --model DIR --out FILE.safetensors --prompts '[[1,2,3],[4]]'
  (--prompts takes inline JSON or the path of a JSON file: a list of lists of token ids)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_reference as ref  # noqa: E402

ROOT = ref.ROOT
LOGITS_HEAD = 1024
TINY_SEED = 7
TINY_LENGTHS = (1, 7, 16)


def tiny_prompts(vocab):
    g = torch.Generator().manual_seed(TINY_SEED)
    return [torch.randint(0, vocab, (n,), generator=g).tolist() for n in TINY_LENGTHS]


def f32(x):
    return x.detach().numpy().astype("<f4")


def golden_tensors(model, prompts, with_params=False):
    cfg = model.cfg
    V = cfg["d_vocab"]
    out, checks = {}, {}
    for p, toks in enumerate(prompts):
        out[f"tokens.{p}"] = np.asarray(toks, dtype="<i4")
        runs = {m: ref.forward(model, toks, m) for m in ref.MODES}
        c = ref.self_check(model, toks, runs)
        for k, v in c.items():
            checks[k] = max(checks.get(k, 0.0), v)
        for mode, r in runs.items():
            pre = f"{mode}.{p}."
            if V <= LOGITS_HEAD:
                out[pre + "logits"] = f32(r["logits"])
            else:
                out[pre + "logits_head"] = f32(r["logits"][:, :LOGITS_HEAD])
                out[pre + "logsumexp"] = f32(torch.logsumexp(r["logits"], dim=-1))
            for l in range(cfg["n_layers"]):
                for h in ref.HOOKS:
                    name = f"blocks.{l}.{h}"
                    out[pre + name] = f32(r[name])
    if with_params:
        for k, v in model.processed.items():
            out["params." + k] = f32(v)
    return out, checks


def write_golden(model_dir, out_path, prompts, extra_meta=None, with_params=False, command=None):
    model = ref.load_model(model_dir)
    ref.check_processed_weights(model)
    tensors, checks = golden_tensors(model, prompts, with_params)
    rel = os.path.relpath(os.path.abspath(model_dir), ROOT)
    meta = {
        "model": rel,
        "prompt_lengths": json.dumps([len(p) for p in prompts]),
        "torch": torch.__version__,
        "dtype": "float64 computation, stored f32",
        "modes": "processed = TransformerLens from_pretrained defaults (fold_ln, center_writing_weights, "
        "center_unembed, fold_value_biases; LayerNormPre); unprocessed = raw HF weights, LayerNorm with gain+bias",
        "hooks": json.dumps(list(ref.HOOKS)),
        "ln2.hook_normalized": "(x-mean)/sqrt(var+eps) in both modes, before ln_2's gain and bias "
        "(TransformerLens >= 3 meaning; the unprocessed MLP input is that * ln_2.weight + ln_2.bias)",
        "logits": "full [T, V]" if model.cfg["d_vocab"] <= LOGITS_HEAD else f"logits_head = first {LOGITS_HEAD} columns; logsumexp over all {model.cfg['d_vocab']}",
        "config": json.dumps(model.cfg, sort_keys=True),
        "self_checks": json.dumps({k: float(f"{v:.3e}") for k, v in checks.items()}, sort_keys=True),
        "generator": "tools/gpt2_golden.py",
    }
    if command:
        meta["command"] = command
    meta.update(extra_meta or {})
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    ref.write_safetensors(out_path, tensors, meta)
    print(f"wrote {os.path.relpath(os.path.abspath(out_path), ROOT)}: {len(tensors)} tensors, {os.path.getsize(out_path)} bytes")
    print("self-checks (worst over prompts): " + ", ".join(f"{k} {v:.2e}" for k, v in checks.items()))
    return model, tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", choices=["tiny", "builtin"])
    ap.add_argument("--model", help="HF GPT-2 checkpoint folder")
    ap.add_argument("--out", help="output .safetensors path")
    ap.add_argument("--prompts", help="JSON list of lists of token ids, inline or a file path")
    ap.add_argument("--params", action="store_true", help="also store the processed TL parameters")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    command = "/usr/bin/python3 tools/gpt2_golden.py " + " ".join(sys.argv[1:])
    extra = {}
    if args.preset == "tiny":
        model_dir = args.model or os.path.join(ROOT, "test", "fixtures", "gpt2", "tiny")
        out = args.out or os.path.join(model_dir, "golden.safetensors")
        prompts = tiny_prompts(ref.load_config(model_dir)["d_vocab"])
        extra["prompts"] = f"torch.Generator().manual_seed({TINY_SEED}); torch.randint(0, vocab, (n,)) for n in {list(TINY_LENGTHS)}"
        with_params = True
    elif args.preset == "builtin":
        model_dir = args.model or os.path.join(ROOT, "public", "builtin", "gpt2-brown")
        out = args.out or os.path.join(ROOT, "test", "fixtures", "gpt2", "builtin-golden.safetensors")
        prompts, _, desc = ref.builtin_prompts()
        extra["prompts"] = "public/builtin/brown.tokens.u16 held-out slice: " + desc
        with_params = args.params
    else:
        if not (args.model and args.out and args.prompts):
            ap.error("give --preset, or --model, --out and --prompts")
        model_dir, out, with_params = args.model, args.out, args.params
        src = args.prompts
        prompts = json.load(open(src)) if os.path.exists(src) else json.loads(src)
        if not (isinstance(prompts, list) and all(isinstance(p, list) and p for p in prompts)):
            raise SystemExit("--prompts must be a non-empty JSON list of non-empty lists of token ids")
        prompts = [[int(t) for t in p] for p in prompts]
    model, tensors = write_golden(model_dir, out, prompts, extra, with_params, command)
    if args.preset == "builtin":
        for p, toks in enumerate(prompts):
            logits = ref.forward(model, toks, "unprocessed")["logits"]
            print(f"prompt {p} ({len(toks)} tokens): next-token CE {ref.next_token_ce(logits, toks):.4f} nats")


if __name__ == "__main__":
    main()
