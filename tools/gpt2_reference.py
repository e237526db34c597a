#!/usr/bin/python3
"""Float64 reference forward of a Hugging Face GPT-2 checkpoint, with TransformerLens hooks.

Plain PyTorch + numpy (no `transformers`, no `transformer_lens`). Used by
tools/gpt2_golden.py to write golden activations for the WGSL forward.

What it does
  1. Reads an HF GPT-2 checkpoint folder: config.json + model.safetensors (parsed here with
     struct/json/numpy; F32, F16, BF16 (and F64); names with or without `transformer.`;
     `lm_head.weight` is ignored because GPT-2 ties it to `wte`).
  2. Converts it to TransformerLens (TL) parameter names/shapes and applies TL's default weight
     processing (`HookedTransformer.from_pretrained("gpt2")`: fold_ln, center_writing_weights,
     center_unembed, fold_value_biases) in float64.
  3. Runs the forward in float64 in two modes and captures, per layer L, the TL hooks
     blocks.L.hook_resid_pre, blocks.L.hook_attn_out, blocks.L.hook_resid_mid,
     blocks.L.ln2.hook_normalized, blocks.L.hook_mlp_out, blocks.L.hook_resid_post ([T, d_model])
     plus the logits ([T, vocab]):
       "unprocessed": raw HF weights, LayerNorm with gain and bias, logits = ln_f(x) @ wte^T;
       "processed":   TL-processed weights, LayerNormPre (no gain/bias), logits = x' @ W_U + b_U.

TransformerLens facts this follows (read from github:TransformerLensOrg/TransformerLens, both
tag v2.18.0 (`transformer_lens/HookedTransformer.py`: load_and_process_state_dict,
fold_layer_norm, center_writing_weights, center_unembed, fold_value_biases, process_weights_)
and HEAD 4cd36aa of 2026-07 (the same functions moved to `transformer_lens/weight_processing.py`,
`ProcessWeights.process_weights` / `_fold_layer` / `_fold_mlp_layer_norm` /
`_fold_final_rms_bias` / `_fold_unembed_layer_norm` / `center_writing_weights` /
`center_unembed` / `fold_value_biases`), plus `transformer_lens/components/layer_norm.py`,
`layer_norm_pre.py`, `transformer_block.py`, `abstract_attention.py`,
`pretrained/weight_conversions/gpt2.py`, `loading_from_pretrained.fill_missing_keys`):
  * Conversion (convert_gpt2_weights): W_Q/W_K/W_V = split(c_attn.weight, d, dim=1) each
    rearranged "m (i h) -> i m h" -> [n_heads, d_model, d_head]; b_Q/b_K/b_V = c_attn.bias viewed
    [3, n_heads, d_head]; W_O = c_proj.weight "(i h) m -> i h m" -> [n_heads, d_head, d_model];
    W_in = c_fc.weight [d, d_mlp]; W_out = mlp.c_proj.weight [d_mlp, d]; W_U = lm_head.weight^T
    (= wte^T). There is no b_U in GPT-2: fill_missing_keys adds TL's default, zeros [vocab].
  * Order (load_and_process_state_dict / ProcessWeights.process_weights): fold_layer_norm ->
    center_writing_weights -> center_unembed -> fold_value_biases.
  * fold_layer_norm (fold_biases=True, center_weights=True), per layer, biases FIRST using the
    unscaled weights: b_Q += sum_d W_Q * ln1.b (same for b_K, b_V); then W_{Q,K,V} *= ln1.w over
    d_model; then W_{Q,K,V} -= mean over d_model ("head_index d_model d_head -> head_index 1
    d_head"). MLP: b_in += ln2.b @ W_in; W_in *= ln2.w[:, None]; W_in -= mean over d_model.
    Unembed: b_U += ln_final.b @ W_U; W_U *= ln_final.w[:, None]; W_U -= mean over d_model
    ("d_model d_vocab -> 1 d_vocab"). So YES, W_U is centred over d_model here (a reading
    weight), independently of center_unembed. LN weights/biases are then removed (v2.18) or set
    to 1/0 (HEAD) and every LN becomes LayerNormPre.
  * center_writing_weights: W_E, W_pos -= mean over d_model (last dim); W_O -= mean over
    d_model (last dim of [H, d_head, d_model]); b_O -= mean; W_out -= mean over d_model (last
    dim); b_out -= mean.
  * center_unembed: W_U -= mean over vocab (last dim of [d_model, vocab]); b_U -= mean.
  * fold_value_biases: b_O += sum over (head, d_head) of b_V[:, :, None] * W_O; b_V = 0. It runs
    after the centring, so b_V here already contains the folded ln1.b, and W_O is already
    centred: the added term has zero mean and b_O stays centred. It DOES change b_O. (HEAD
    re-centres b_O afterwards explicitly, a no-op in exact arithmetic; v2.18 does not.)
  * LayerNormPre / LayerNorm: x = x - mean(x); scale = sqrt(mean(x^2) + eps) (eps INSIDE the
    sqrt, biased variance, same as torch.nn.LayerNorm); hook_normalized = x / scale. eps =
    layer_norm_epsilon (1e-5 for GPT-2).
  * ln2.hook_normalized with unprocessed LayerNorm is VERSION-DEPENDENT: TL <= 2.x (v2.18.0)
    hooks `x / scale * w + b` (gain and bias applied: the MLP input); TL >= 3.0 (commit ccf852b,
    PR #770; released in v3.0.0, 2026-04, and current through v3.5.1) hooks `x / scale` before
    gain and bias. This file follows the current releases (TL >= 3): ln2.hook_normalized is
    x / scale in both modes, and the MLP applies ln2's gain and bias after the hook. forward()
    also returns the 2.x value (the MLP's input) under `blocks.L.mlp_input` (not written to the
    goldens). With fold_ln both versions hook x / scale.
  * Attention: scores = q.k / sqrt(d_head), causal mask with -inf (TL) / finfo.min (HF), softmax;
    out = sum_h z_h @ W_O[h] + b_O. gelu_new = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  * TL does the processing in float32 (HEAD upcasts F16/BF16 to F32 first); this file does it in
    float64, so the goldens are the exact-math values.

Usage (module):  from gpt2_reference import load_model, forward, process_weights, ...
Usage (CLI):
  /usr/bin/python3 tools/gpt2_reference.py --model test/fixtures/gpt2/tiny --tokens 1,2,3
  /usr/bin/python3 tools/gpt2_reference.py --check-builtin   # CE + cross-check vs train script
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

HOOKS = (
    "hook_resid_pre",
    "hook_attn_out",
    "hook_resid_mid",
    "ln2.hook_normalized",
    "hook_mlp_out",
    "hook_resid_post",
)
MODES = ("processed", "unprocessed")
MAX_HEADER = 100 * 1024 * 1024

_NP_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I32": "<i4", "I64": "<i8", "U16": "<u2"}
_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I32": 4, "I64": 8, "U16": 2}


# --------------------------------------------------------------------------- safetensors
def read_safetensors(path):
    """Returns ({name: np.ndarray}, metadata). Floats come back as float64, ints as int64."""
    size = os.path.getsize(path)
    out = {}
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or 8 + n > size:
            raise ValueError(f"{path}: header length {n} out of bounds")
        header = json.loads(f.read(n).decode("utf-8"))
        base = 8 + n
        meta = header.pop("__metadata__", {}) or {}
        spans = []
        for name, info in header.items():
            dt, shape = info["dtype"], [int(s) for s in info["shape"]]
            b, e = (int(v) for v in info["data_offsets"])
            if dt not in _SIZES:
                raise ValueError(f"{path}: {name}: unsupported dtype {dt}")
            if not (0 <= b <= e and base + e <= size):
                raise ValueError(f"{path}: {name}: data_offsets {b},{e} outside the file")
            if e - b != int(np.prod(shape, dtype=np.int64)) * _SIZES[dt]:
                raise ValueError(f"{path}: {name}: {e - b} bytes for {dt} {shape}")
            spans.append((b, e, name))
            f.seek(base + b)
            raw = f.read(e - b)
            if dt == "BF16":
                u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
                arr = u.view(np.float32).astype(np.float64)
            else:
                arr = np.frombuffer(raw, dtype=_NP_DTYPES[dt])
                arr = arr.astype(np.float64 if dt[0] == "F" else np.int64)
            out[name] = arr.reshape(shape)
        spans.sort()
        for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
            if b1 < e0:
                raise ValueError(f"{path}: tensors {n0} and {n1} overlap")
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: np.ndarray of float32 / int32 / float16}; written in sorted name order."""
    codes = {np.dtype("<f4"): "F32", np.dtype("<i4"): "I32", np.dtype("<f2"): "F16"}
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, off = [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        if arr.dtype not in codes:
            raise ValueError(f"{name}: unsupported dtype {arr.dtype}")
        b = arr.tobytes()
        header[name] = {"dtype": codes[arr.dtype], "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- loading
def load_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    act = c.get("activation_function", "gelu_new")
    if act != "gelu_new":
        raise ValueError(f"activation_function {act!r}: only gelu_new is supported")
    d = int(c["n_embd"])
    cfg = {
        "d_model": d,
        "n_layers": int(c["n_layer"]),
        "n_heads": int(c["n_head"]),
        "n_ctx": int(c["n_positions"]),
        "d_vocab": int(c["vocab_size"]),
        "eps": float(c.get("layer_norm_epsilon", 1e-5)),
        "d_mlp": int(c.get("n_inner") or 4 * d),
    }
    if d % cfg["n_heads"]:
        raise ValueError(f"n_embd {d} not divisible by n_head {cfg['n_heads']}")
    cfg["d_head"] = d // cfg["n_heads"]
    return cfg


def load_hf(model_dir):
    """Returns (cfg, {HF name without `transformer.`: float64 torch tensor})."""
    cfg = load_config(model_dir)
    raw, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    p = {}
    for name, arr in raw.items():
        if name == "lm_head.weight":
            continue  # tied to wte (GPT2LMHeadModel), ignored like HF's tie_weights does
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        if key.endswith(".attn.bias") or key.endswith(".attn.masked_bias"):
            continue  # old HF files store the causal mask buffer
        if key in p:
            raise ValueError(f"tensor {key} appears twice (with and without `transformer.`)")
        p[key] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float64))
    d, V, N, F = cfg["d_model"], cfg["d_vocab"], cfg["n_ctx"], cfg["d_mlp"]
    want = {"wte.weight": (V, d), "wpe.weight": (N, d), "ln_f.weight": (d,), "ln_f.bias": (d,)}
    for l in range(cfg["n_layers"]):
        h = f"h.{l}."
        want.update(
            {
                h + "ln_1.weight": (d,),
                h + "ln_1.bias": (d,),
                h + "attn.c_attn.weight": (d, 3 * d),
                h + "attn.c_attn.bias": (3 * d,),
                h + "attn.c_proj.weight": (d, d),
                h + "attn.c_proj.bias": (d,),
                h + "ln_2.weight": (d,),
                h + "ln_2.bias": (d,),
                h + "mlp.c_fc.weight": (d, F),
                h + "mlp.c_fc.bias": (F,),
                h + "mlp.c_proj.weight": (F, d),
                h + "mlp.c_proj.bias": (d,),
            }
        )
    for k, shape in want.items():
        if k not in p:
            raise ValueError(f"missing tensor {k}")
        if tuple(p[k].shape) != shape:
            raise ValueError(f"{k}: shape {tuple(p[k].shape)}, expected {shape}")
    extra = sorted(set(p) - set(want))
    if extra:
        raise ValueError(f"unexpected tensors: {extra[:5]}")
    return cfg, p


def hf_to_tl(cfg, p):
    """TransformerLens convert_gpt2_weights (+ fill_missing_keys' zero b_U)."""
    d, H, dh = cfg["d_model"], cfg["n_heads"], cfg["d_head"]
    sd = {"embed.W_E": p["wte.weight"].clone(), "pos_embed.W_pos": p["wpe.weight"].clone()}
    for l in range(cfg["n_layers"]):
        h, b = f"h.{l}.", f"blocks.{l}."
        sd[b + "ln1.w"] = p[h + "ln_1.weight"].clone()
        sd[b + "ln1.b"] = p[h + "ln_1.bias"].clone()
        Wq, Wk, Wv = torch.split(p[h + "attn.c_attn.weight"], d, dim=1)
        for name, W in (("W_Q", Wq), ("W_K", Wk), ("W_V", Wv)):
            sd[b + "attn." + name] = W.reshape(d, H, dh).permute(1, 0, 2).contiguous()  # m (i h) -> i m h
        qkv_b = p[h + "attn.c_attn.bias"].reshape(3, H, dh)
        sd[b + "attn.b_Q"], sd[b + "attn.b_K"], sd[b + "attn.b_V"] = (qkv_b[i].clone() for i in range(3))
        sd[b + "attn.W_O"] = p[h + "attn.c_proj.weight"].reshape(H, dh, d).clone()  # (i h) m -> i h m
        sd[b + "attn.b_O"] = p[h + "attn.c_proj.bias"].clone()
        sd[b + "ln2.w"] = p[h + "ln_2.weight"].clone()
        sd[b + "ln2.b"] = p[h + "ln_2.bias"].clone()
        sd[b + "mlp.W_in"] = p[h + "mlp.c_fc.weight"].clone()
        sd[b + "mlp.b_in"] = p[h + "mlp.c_fc.bias"].clone()
        sd[b + "mlp.W_out"] = p[h + "mlp.c_proj.weight"].clone()
        sd[b + "mlp.b_out"] = p[h + "mlp.c_proj.bias"].clone()
    sd["unembed.W_U"] = p["wte.weight"].t().contiguous()
    sd["unembed.b_U"] = torch.zeros(cfg["d_vocab"], dtype=torch.float64)
    sd["ln_final.w"] = p["ln_f.weight"].clone()
    sd["ln_final.b"] = p["ln_f.bias"].clone()
    return sd


def process_weights(cfg, sd, fold_ln=True, center_writing_weights=True, center_unembed=True, fold_value_biases=True):
    """TransformerLens load_and_process_state_dict with from_pretrained's defaults (see the module
    docstring for the source each step was checked against). Returns a new dict; without fold_ln
    the LayerNorm keys stay, with it they are removed (the model then uses LayerNormPre)."""
    sd = {k: v.clone() for k, v in sd.items()}
    L = cfg["n_layers"]
    if fold_ln:
        for l in range(L):
            b = f"blocks.{l}."
            # ln1 -> Q, K, V: biases first (they use the unscaled weights), then weights, then centre.
            for x in "QKV":
                sd[b + f"attn.b_{x}"] = sd[b + f"attn.b_{x}"] + (
                    sd[b + f"attn.W_{x}"] * sd[b + "ln1.b"][None, :, None]
                ).sum(-2)
            for x in "QKV":
                sd[b + f"attn.W_{x}"] = sd[b + f"attn.W_{x}"] * sd[b + "ln1.w"][None, :, None]
            for x in "QKV":
                W = sd[b + f"attn.W_{x}"]
                sd[b + f"attn.W_{x}"] = W - W.mean(1, keepdim=True)  # head d_model d_head -> head 1 d_head
            del sd[b + "ln1.b"], sd[b + "ln1.w"]
            # ln2 -> W_in
            sd[b + "mlp.b_in"] = sd[b + "mlp.b_in"] + (sd[b + "mlp.W_in"] * sd[b + "ln2.b"][:, None]).sum(-2)
            sd[b + "mlp.W_in"] = sd[b + "mlp.W_in"] * sd[b + "ln2.w"][:, None]
            sd[b + "mlp.W_in"] = sd[b + "mlp.W_in"] - sd[b + "mlp.W_in"].mean(0, keepdim=True)
            del sd[b + "ln2.b"], sd[b + "ln2.w"]
        # ln_final -> unembed (W_U [d_model, d_vocab]); W_U is also centred over d_model here.
        sd["unembed.b_U"] = sd["unembed.b_U"] + (sd["unembed.W_U"] * sd["ln_final.b"][:, None]).sum(-2)
        sd["unembed.W_U"] = sd["unembed.W_U"] * sd["ln_final.w"][:, None]
        sd["unembed.W_U"] = sd["unembed.W_U"] - sd["unembed.W_U"].mean(0, keepdim=True)
        del sd["ln_final.b"], sd["ln_final.w"]
    if center_writing_weights:
        sd["embed.W_E"] = sd["embed.W_E"] - sd["embed.W_E"].mean(-1, keepdim=True)
        sd["pos_embed.W_pos"] = sd["pos_embed.W_pos"] - sd["pos_embed.W_pos"].mean(-1, keepdim=True)
        for l in range(L):
            b = f"blocks.{l}."
            sd[b + "attn.W_O"] = sd[b + "attn.W_O"] - sd[b + "attn.W_O"].mean(-1, keepdim=True)
            sd[b + "attn.b_O"] = sd[b + "attn.b_O"] - sd[b + "attn.b_O"].mean()
            sd[b + "mlp.W_out"] = sd[b + "mlp.W_out"] - sd[b + "mlp.W_out"].mean(-1, keepdim=True)
            sd[b + "mlp.b_out"] = sd[b + "mlp.b_out"] - sd[b + "mlp.b_out"].mean()
    if center_unembed:
        sd["unembed.W_U"] = sd["unembed.W_U"] - sd["unembed.W_U"].mean(-1, keepdim=True)
        sd["unembed.b_U"] = sd["unembed.b_U"] - sd["unembed.b_U"].mean()
    if fold_value_biases:
        for l in range(L):
            b = f"blocks.{l}."
            b_V, W_O = sd[b + "attn.b_V"], sd[b + "attn.W_O"]
            sd[b + "attn.b_O"] = sd[b + "attn.b_O"] + (b_V[:, :, None] * W_O).sum([0, 1])
            sd[b + "attn.b_V"] = torch.zeros_like(b_V)
    return sd


class Model:
    """A loaded checkpoint: cfg, the HF tensors, TL unprocessed and TL processed state dicts."""

    def __init__(self, model_dir):
        self.dir = model_dir
        self.cfg, self.hf = load_hf(model_dir)
        self.tl = hf_to_tl(self.cfg, self.hf)
        self.processed = process_weights(self.cfg, self.tl)

    def params(self, mode):
        return {"processed": self.processed, "unprocessed": self.tl}[mode]


def load_model(model_dir):
    return Model(model_dir)


# --------------------------------------------------------------------------- forward
def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _center_scale(x, eps):
    x = x - x.mean(-1, keepdim=True)
    return x / (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()


def _ln(sd, prefix, x, eps):
    """TL LayerNorm (keys present) or LayerNormPre (keys folded away). Returns (output, x/scale)."""
    n = _center_scale(x, eps)
    if prefix + ".w" in sd:
        return n * sd[prefix + ".w"] + sd[prefix + ".b"], n
    return n, n


def _check_tokens(cfg, tokens):
    t = torch.as_tensor(tokens, dtype=torch.long).reshape(-1)
    if t.numel() < 1 or t.numel() > cfg["n_ctx"]:
        raise ValueError(f"prompt length {t.numel()} not in [1, {cfg['n_ctx']}]")
    if int(t.min()) < 0 or int(t.max()) >= cfg["d_vocab"]:
        raise ValueError(f"token ids must lie in [0, {cfg['d_vocab']})")
    return t


def forward(model, tokens, mode, patch=None):
    """TL-style float64 forward. Returns {hook name: [T, d] tensor, "logits": [T, vocab]}; hook
    names are f"blocks.{L}.{h}" for h in HOOKS (TL >= 3 meaning of ln2.hook_normalized: before
    gain and bias), plus blocks.L.mlp_input (TL 2.x's ln2.hook_normalized: after them).
    `patch(name, value, seen)`, if given, replaces a hook's value as it flows on (TL's hooks;
    `seen` holds the hooks computed so far), as tools/splice_check.py splices a dictionary in."""
    cfg, sd = model.cfg, model.params(mode)
    t = _check_tokens(cfg, tokens)
    T, H, dh, eps = t.numel(), cfg["n_heads"], cfg["d_head"], cfg["eps"]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    out = {}

    def hook(name, value):
        out[name] = patch(name, value, out) if patch else value
        return out[name]

    resid = sd["embed.W_E"][t] + sd["pos_embed.W_pos"][:T]
    for l in range(cfg["n_layers"]):
        b = f"blocks.{l}."
        resid = hook(b + "hook_resid_pre", resid)
        x1, _ = _ln(sd, b + "ln1", resid, eps)
        q = torch.einsum("td,hde->the", x1, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("td,hde->the", x1, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        v = torch.einsum("td,hde->the", x1, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
        scores = torch.einsum("qhe,khe->hqk", q, k) / math.sqrt(dh)
        scores = scores.masked_fill(~causal, float("-inf"))
        pattern = torch.softmax(scores, dim=-1)
        z = torch.einsum("hqk,khe->qhe", pattern, v)
        attn_out = hook(b + "hook_attn_out", torch.einsum("qhe,hed->qd", z, sd[b + "attn.W_O"]) + sd[b + "attn.b_O"])
        resid = hook(b + "hook_resid_mid", resid + attn_out)
        x2, n2 = _ln(sd, b + "ln2", resid, eps)
        hook(b + "ln2.hook_normalized", n2)
        out[b + "mlp_input"] = x2
        mlp_out = gelu_new(x2 @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]) @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
        mlp_out = hook(b + "hook_mlp_out", mlp_out)
        resid = hook(b + "hook_resid_post", resid + mlp_out)
    xf, _ = _ln(sd, "ln_final", resid, eps)
    out["logits"] = xf @ sd["unembed.W_U"] + sd["unembed.b_U"]
    return out


def forward_hf(model, tokens):
    """Independent float64 forward straight from the HF tensors (HF GPT2LMHeadModel math), used to
    check the TL conversion. Returns the same keys as forward(..., "unprocessed")."""
    cfg, p = model.cfg, model.hf
    t = _check_tokens(cfg, tokens)
    T, H, dh, d, eps = t.numel(), cfg["n_heads"], cfg["d_head"], cfg["d_model"], cfg["eps"]
    ln = lambda x, pre: torch.nn.functional.layer_norm(x, (d,), p[pre + ".weight"], p[pre + ".bias"], eps)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    out = {}
    x = p["wte.weight"][t] + p["wpe.weight"][:T]
    for l in range(cfg["n_layers"]):
        h, b = f"h.{l}.", f"blocks.{l}."
        out[b + "hook_resid_pre"] = x
        qkv = ln(x, h + "ln_1") @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = (y.reshape(T, H, dh).transpose(0, 1) for y in qkv.split(d, dim=1))
        w = q @ k.transpose(-1, -2) / math.sqrt(dh)
        w = torch.softmax(w.masked_fill(~causal, torch.finfo(w.dtype).min), dim=-1)
        y = (w @ v).transpose(0, 1).reshape(T, d)
        a = y @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        out[b + "hook_attn_out"] = a
        x = x + a
        out[b + "hook_resid_mid"] = x
        m_in = ln(x, h + "ln_2")
        out[b + "ln2.hook_normalized"] = torch.nn.functional.layer_norm(x, (d,), None, None, eps)
        out[b + "mlp_input"] = m_in
        m = gelu_new(m_in @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        m = m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        out[b + "hook_mlp_out"] = m
        x = x + m
        out[b + "hook_resid_post"] = x
    out["logits"] = ln(x, "ln_f") @ p["wte.weight"].t()
    return out


# --------------------------------------------------------------------------- self-checks
def _rel(a, b):
    return float((a - b).abs().max() / max(1.0, float(b.abs().max())))


def self_check(model, tokens, runs=None):
    """Asserts the invariants of TL processing on one prompt; returns {check: worst error}.
    runs: optional {"processed": forward(...), "unprocessed": forward(...)} to reuse."""
    runs = runs or {m: forward(model, tokens, m) for m in MODES}
    P, U = runs["processed"], runs["unprocessed"]
    hf = forward_hf(model, tokens)
    r = {}
    # 1. The TL-format unprocessed forward equals the direct HF forward (conversion check).
    r["unprocessed_vs_hf"] = max(_rel(U[k], hf[k]) for k in hf)
    # 2. log_softmax is the same in both modes; processed logits = unprocessed - mean over vocab.
    r["log_softmax"] = float((P["logits"].log_softmax(-1) - U["logits"].log_softmax(-1)).abs().max())
    Ul = U["logits"]
    r["logits_vs_centred"] = _rel(P["logits"], Ul - Ul.mean(-1, keepdim=True))
    r["processed_logits_vocab_mean"] = float(P["logits"].mean(-1).abs().max())
    zero_mean, centred, norm = 0.0, 0.0, 0.0
    eps = model.cfg["eps"]
    for l in range(model.cfg["n_layers"]):
        b = f"blocks.{l}."
        for h in ("hook_resid_pre", "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post"):
            x = P[b + h]
            # 3. Everything written to / read from the residual stream has zero mean over d_model.
            zero_mean = max(zero_mean, float(x.mean(-1).abs().max() / max(1.0, float(x.abs().max()))))
            # 4. processed = unprocessed minus its mean over d_model.
            u = U[b + h]
            centred = max(centred, _rel(x, u - u.mean(-1, keepdim=True)))
        # 5. ln2.hook_normalized = (x-mean)/sqrt(var+eps) of either mode's resid_mid, in both
        #    modes; the unprocessed MLP input is that * ln2.w + ln2.b.
        n = _center_scale(U[b + "hook_resid_mid"], eps)
        norm = max(norm, _rel(P[b + "ln2.hook_normalized"], n), _rel(U[b + "ln2.hook_normalized"], n))
        sd = model.tl
        norm = max(norm, _rel(U[b + "mlp_input"], n * sd[b + "ln2.w"] + sd[b + "ln2.b"]))
    r["processed_zero_mean"] = zero_mean
    r["processed_vs_centred_unprocessed"] = centred
    r["ln2_normalized"] = norm
    assert r["unprocessed_vs_hf"] < 1e-10, r
    assert r["log_softmax"] < 1e-9, r
    assert r["logits_vs_centred"] < 1e-9, r
    assert r["processed_logits_vocab_mean"] < 1e-9, r
    assert r["processed_zero_mean"] < 1e-9, r
    assert r["processed_vs_centred_unprocessed"] < 1e-9, r
    assert r["ln2_normalized"] < 1e-9, r
    return r


def check_processed_weights(model):
    """Asserts the centring properties of the processed state dict; returns the worst |mean|."""
    sd, L = model.processed, model.cfg["n_layers"]
    worst = {}

    def rec(name, v):
        worst[name] = max(worst.get(name, 0.0), float(v.abs().max()))

    rec("W_E/W_pos mean over d_model", sd["embed.W_E"].mean(-1))
    rec("W_E/W_pos mean over d_model", sd["pos_embed.W_pos"].mean(-1))
    rec("W_U mean over d_model", sd["unembed.W_U"].mean(0))
    rec("W_U/b_U mean over vocab", sd["unembed.W_U"].mean(-1))
    rec("W_U/b_U mean over vocab", sd["unembed.b_U"].mean())
    for l in range(L):
        b = f"blocks.{l}."
        for x in "QKV":
            rec("W_Q/W_K/W_V/W_in mean over d_model", sd[b + f"attn.W_{x}"].mean(1))
        rec("W_Q/W_K/W_V/W_in mean over d_model", sd[b + "mlp.W_in"].mean(0))
        rec("W_O/b_O/W_out/b_out mean over d_model", sd[b + "attn.W_O"].mean(-1))
        rec("W_O/b_O/W_out/b_out mean over d_model", sd[b + "attn.b_O"].mean())
        rec("W_O/b_O/W_out/b_out mean over d_model", sd[b + "mlp.W_out"].mean(-1))
        rec("W_O/b_O/W_out/b_out mean over d_model", sd[b + "mlp.b_out"].mean())
        rec("b_V", sd[b + "attn.b_V"])
        assert b + "ln1.w" not in sd and b + "ln2.b" not in sd
    for k, v in worst.items():
        assert v < 1e-12, (k, v)
    return worst


# --------------------------------------------------------------------------- built-in model checks
def builtin_prompts():
    """The two held-out prompts of the built-in corpus used by the golden file."""
    meta = json.load(open(os.path.join(ROOT, "public", "builtin", "brown.json")))
    toks = np.fromfile(os.path.join(ROOT, "public", "builtin", "brown.tokens.u16"), dtype="<u2")
    assert len(toks) == meta["tokens"]
    h0, h1 = meta["heldOut"]["start"], meta["heldOut"]["end"]
    specs = [(h0 + 1000, 12), (h0 + 5000, 128)]  # (absolute token offset, length)
    prompts = []
    for start, n in specs:
        assert h0 <= start and start + n <= h1
        prompts.append([int(v) for v in toks[start : start + n]])
    desc = "; ".join(f"{n} tokens from offset {s} (heldOut.start {h0} + {s - h0})" for s, n in specs)
    return prompts, specs, desc


def next_token_ce(logits, tokens):
    t = torch.as_tensor(tokens, dtype=torch.long)
    return float(torch.nn.functional.cross_entropy(logits[:-1], t[1:]))


def check_builtin():
    model_dir = os.path.join(ROOT, "public", "builtin", "gpt2-brown")
    model = load_model(model_dir)
    prompts, specs, _ = builtin_prompts()
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import train_builtin_model as tbm

    tbm.N_INNER = model.cfg["d_mlp"]  # the training script's width follows its --d-mlp
    ref = tbm.GPT2LMHeadModel()
    sd = tbm.load_safetensors(os.path.join(model_dir, "model.safetensors"))
    missing, unexpected = ref.load_state_dict(sd, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    ref.eval()
    print(f"built-in model {os.path.relpath(model_dir, ROOT)}: {model.cfg}")
    print(f"processed weights: {check_processed_weights(model)}")
    for (start, n), toks in zip(specs, prompts):
        runs = {m: forward(model, toks, m) for m in MODES}
        checks = self_check(model, toks, runs)
        with torch.no_grad():
            l32 = ref(torch.tensor([toks]))[0].double()
        diff = float((l32 - runs["unprocessed"]["logits"]).abs().max())
        ce_u = next_token_ce(runs["unprocessed"]["logits"], toks)
        ce_p = next_token_ce(runs["processed"]["logits"], toks)
        print(f"prompt @{start} len {n}: next-token CE unprocessed {ce_u:.6f} processed {ce_p:.6f} nats")
        print(f"  vs train_builtin_model.py (float32): max |logit diff| {diff:.3e}")
        print(f"  self-checks: " + ", ".join(f"{k} {v:.2e}" for k, v in checks.items()))
        assert diff < 1e-3, diff
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="HF GPT-2 checkpoint folder (config.json + model.safetensors)")
    ap.add_argument("--tokens", help="comma-separated token ids")
    ap.add_argument("--check-builtin", action="store_true", help="checks on public/builtin/gpt2-brown")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check_builtin:
        check_builtin()
    if args.model:
        model = load_model(args.model)
        print(f"{args.model}: {model.cfg}")
        print(f"processed weights: {check_processed_weights(model)}")
        toks = [int(v) for v in args.tokens.split(",")] if args.tokens else [0]
        runs = {m: forward(model, toks, m) for m in MODES}
        checks = self_check(model, toks, runs)
        print("self-checks: " + ", ".join(f"{k} {v:.2e}" for k, v in checks.items()))
        lp = runs["processed"]["logits"].log_softmax(-1)[-1]
        top = torch.topk(lp, min(5, lp.numel()))
        print("last position top-5 (id, log p): " + ", ".join(f"({i}, {v:.4f})" for v, i in zip(top.values.tolist(), top.indices.tolist())))
    if not args.check_builtin and not args.model:
        ap.error("give --model DIR and/or --check-builtin")


if __name__ == "__main__":
    main()
