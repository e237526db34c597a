#!/usr/bin/python3
"""Independent float64 PyTorch reference for /work/shared/reference/training-math.md.

Offline tool only: it produces the golden values under test/fixtures/golden/ and is
never run by the tests or CI. It needs nothing but PyTorch (Debian's torch 1.13 under
/usr/bin/python3 is enough); safetensors are read and written by the small codec below.

What it implements (architecture "standard": ReLU + L1, SAELens v6 semantics):
  x' = x - b_dec (SAE, apply_b_dec_to_input) | x' = x (transcoder)
  f = ReLU(x' @ W_enc + b_enc);  y^ = f @ W_dec + b_dec
  loss = mean_b(sum_d (y^-y)^2) + l1 * mean_b(sum_i f[b,i] * ||W_dec[i]||)
  gradients by autograd, clip_grad_norm_(params, 1.0), Adam(lr, (0.9, 0.999), 1e-8),
  constant lr, no warm-ups, no activation normalization.
  Batch i (0-based) is rows (i*B + j) mod N, j = 0..B-1: file order, wrapping around.
  Metrics per step (1-based "step") are computed on that step's batch before its update.

Train one run:
  /usr/bin/python3 tools/torch_reference.py --data acts.safetensors --kind sae \
      --init INIT_DIR --l1 0.5 --lr 0.003 --batch 32 --steps 50 --out OUT_DIR [--dtype float32]
  OUT_DIR gets cfg.json, sae_weights.safetensors (F32) and metrics.jsonl.

Regenerate the golden fixtures (deterministic: fixed seeds, float64 on CPU):
  /usr/bin/python3 tools/torch_reference.py --make-fixture [--fixture-root test/fixtures/golden]
  For each case (sae, transcoder) this writes <case>/acts.safetensors, <case>/init/,
  <case>/expected/ (float64 run), <case>/expected_float32/ (same run in float32) and
  <case>/case.json, then prints float32-vs-float64 drift, weight movement and L0.

Modern architectures (architectures.md §2-§5, SAELens v6.18): topk (rescale_acts_by_decoder_norm,
AuxK), batchtopk (running threshold τ), jumprelu (log_threshold, JumpReLU and Step autograd
Functions with the rectangle-kernel STEs, step or tanh L0, pre-activation loss), each as an SAE
or a transcoder, a transcoder optionally with W_skip; dead latents counted in steps since fired.
Regenerate their golden fixtures (all cases, or the ones named):
  /usr/bin/python3 tools/torch_reference.py --make-arch-fixtures [CASE ...] [--fixture-root ...]
  Each case gets case.json, acts.safetensors, init/ (a SAELens training checkpoint),
  expected/ (float64: F64 weights, metrics.jsonl, trainer_state.json), expected_float32/ and
  exported/ (what save_inference_model writes); it prints drift, dead latents and margins.

Check the hand-derived gradients of training-math.md against autograd (float64):
  /usr/bin/python3 tools/torch_reference.py --check-grads [--fixture-root test/fixtures/golden]
"""

import argparse
import json
import math
import os
import struct
import sys

import torch

# --------------------------------------------------------------------------------------
# safetensors codec (no numpy, no safetensors package)
# --------------------------------------------------------------------------------------

_ST_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
}
_ST_NAMES = {v: k for k, v in _ST_DTYPES.items()}
_MAX_HEADER = 100 * 1000 * 1000

assert sys.byteorder == "little", "the safetensors codec assumes a little-endian host"


def read_safetensors(path):
    """Return ({name: tensor}, metadata). Tensors keep their stored dtype."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise ValueError(f"{path}: bad header length {n}")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        dtype = _ST_DTYPES[info["dtype"]]
        shape = list(info["shape"])
        b, e = info["data_offsets"]
        numel = 1
        for s in shape:
            numel *= s
        itemsize = torch.empty((), dtype=dtype).element_size()
        if e - b != numel * itemsize or base + e > len(raw) or b > e:
            raise ValueError(f"{path}: bad data_offsets for {name}")
        buf = bytearray(raw[base + b : base + e])
        t = torch.frombuffer(buf, dtype=dtype) if numel > 0 else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(shape).clone()
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """tensors: ordered {name: tensor}; written in that order, contiguous, little-endian."""
    header = {}
    blobs = []
    off = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _ST_NAMES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [off, off + len(data)],
        }
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((-len(hj)) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hj)))
        fh.write(hj)
        for d in blobs:
            fh.write(d)


def _tensor_bytes(t):
    # Byte view without numpy: reinterpret the contiguous data as uint8.
    flat = t.reshape(-1).contiguous()
    if flat.numel() == 0:
        return b""
    return bytes(flat.view(torch.uint8).tolist())


# --------------------------------------------------------------------------------------
# SAELens folder
# --------------------------------------------------------------------------------------

PARAM_NAMES = ("W_enc", "b_enc", "W_dec", "b_dec")


def make_cfg(kind, d_in, d_sae, d_out):
    if kind == "sae":
        assert d_in == d_out
        return {
            "architecture": "standard",
            "d_in": d_in,
            "d_sae": d_sae,
            "dtype": "float32",
            "device": "cpu",
            "apply_b_dec_to_input": True,
            "normalize_activations": "none",
            "metadata": {
                "model_name": "fixture",
                "hook_name": "blocks.0.hook_resid_pre",
                "hook_head_index": None,
                "context_size": 128,
                "prepend_bos": False,
                "dataset_path": "fixture",
            },
        }
    return {
        "architecture": "transcoder",
        "d_in": d_in,
        "d_sae": d_sae,
        "d_out": d_out,
        "dtype": "float32",
        "device": "cpu",
        "apply_b_dec_to_input": False,
        "normalize_activations": "none",
        "metadata": {
            "model_name": "fixture",
            "hook_name": "blocks.0.ln2.hook_normalized",
            "hook_name_out": "blocks.0.hook_mlp_out",
            "hook_head_index": None,
            "context_size": 128,
            "prepend_bos": False,
            "dataset_path": "fixture",
        },
    }


def write_json(path, obj):
    with open(path, "w") as fh:
        fh.write(json.dumps(obj, indent=2) + "\n")


def save_saelens(folder, kind, params):
    os.makedirs(folder, exist_ok=True)
    d_in, d_sae = params["W_enc"].shape
    d_out = params["W_dec"].shape[1]
    write_json(os.path.join(folder, "cfg.json"), make_cfg(kind, d_in, d_sae, d_out))
    write_safetensors(
        os.path.join(folder, "sae_weights.safetensors"),
        {k: params[k].detach().to(torch.float32) for k in PARAM_NAMES},
    )


def load_saelens(folder):
    with open(os.path.join(folder, "cfg.json")) as fh:
        cfg = json.load(fh)
    tensors, _ = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    return cfg, {k: tensors[k] for k in PARAM_NAMES}


# --------------------------------------------------------------------------------------
# Model, loss, metrics
# --------------------------------------------------------------------------------------


def forward(p, x, kind):
    xp = x - p["b_dec"] if kind == "sae" else x
    pre = xp @ p["W_enc"] + p["b_enc"]
    f = torch.relu(pre)
    yhat = f @ p["W_dec"] + p["b_dec"]
    return xp, pre, f, yhat


def losses(p, x, y, kind, l1):
    xp, pre, f, yhat = forward(p, x, kind)
    mse = (yhat - y).pow(2).sum(dim=-1).mean()
    dec_norm = p["W_dec"].norm(dim=1)
    l1_loss = l1 * (f * dec_norm).sum(dim=-1).mean()
    return mse, l1_loss, f, yhat


def batch_rows(step0, B, N):
    return [(step0 * B + j) % N for j in range(B)]


def metrics_of(mse, l1_loss, f, yhat, y):
    with torch.no_grad():
        resid = (yhat - y).pow(2).sum(-1).mean()
        var = (y - y.mean(0, keepdim=True)).pow(2).sum(-1).mean()
        return {
            "mse_loss": float(mse),
            "l1_loss": float(l1_loss),
            "loss": float(mse + l1_loss),
            "l0": float((f > 0).to(y.dtype).sum(-1).mean()),
            "explained_variance": float(1.0 - resid / var),
        }


def train(x, y, init, kind, l1, lr, B, steps, dtype, margins=None):
    """Returns (final params {name: tensor in dtype}, list of per-step metric dicts).
    If `margins` is a list, the smallest |pre-activation| of each step is appended to it
    (how close any latent is to flipping on/off: a float32 run may flip it)."""
    x = x.to(dtype)
    y = y.to(dtype)
    params = {k: torch.nn.Parameter(init[k].detach().to(dtype).clone()) for k in PARAM_NAMES}
    plist = [params[k] for k in PARAM_NAMES]
    opt = torch.optim.Adam(plist, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    N = x.shape[0]
    log = []
    for i in range(steps):
        idx = torch.tensor(batch_rows(i, B, N), dtype=torch.long)
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        mse, l1_loss, f, yhat = losses(params, xb, yb, kind, l1)
        m = {"step": i + 1}
        m.update(metrics_of(mse, l1_loss, f, yhat, yb))
        if margins is not None:
            with torch.no_grad():
                margins.append(float(forward(params, xb, kind)[1].abs().min()))
        (mse + l1_loss).backward()
        gn = torch.nn.utils.clip_grad_norm_(plist, 1.0)
        m["grad_norm"] = float(gn)  # global L2 norm before clipping
        opt.step()
        log.append(m)
    return {k: params[k].detach().clone() for k in PARAM_NAMES}, log


def load_data(path, kind):
    t, _ = read_safetensors(path)
    x = t["x"]
    y = x if kind == "sae" else t["y"]
    return x, y


def write_metrics(path, log):
    with open(path, "w") as fh:
        for m in log:
            fh.write(json.dumps(m) + "\n")


def run_cli(a):
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    x, y = load_data(a.data, a.kind)
    _, init = load_saelens(a.init)
    final, log = train(x, y, init, a.kind, a.l1, a.lr, a.batch, a.steps, dtype)
    save_saelens(a.out, a.kind, final)
    write_metrics(os.path.join(a.out, "metrics.jsonl"), log)
    print(json.dumps(log[0]))
    print(json.dumps(log[-1]))


# --------------------------------------------------------------------------------------
# Hand-derived gradients (training-math.md, "Gradients") for the cross-check
# --------------------------------------------------------------------------------------


def hand_grads(p, x, y, kind, l1):
    B = x.shape[0]
    xp, pre, f, yhat = forward(p, x, kind)
    g = 2.0 * (yhat - y) / B
    c = l1 / B
    norm = p["W_dec"].norm(dim=1)
    dW_dec = f.t() @ g + c * f.sum(0)[:, None] * p["W_dec"] / norm[:, None]
    df = g @ p["W_dec"].t() + c * norm[None, :]
    dpre = df * (pre > 0).to(x.dtype)
    dW_enc = xp.t() @ dpre
    db_enc = dpre.sum(0)
    db_dec = g.sum(0)
    if kind == "sae":
        db_dec = db_dec - dpre.sum(0) @ p["W_enc"].t()
    return {"W_enc": dW_enc, "b_enc": db_enc, "W_dec": dW_dec, "b_dec": db_dec}


def autograd_grads(p, x, y, kind, l1):
    q = {k: p[k].detach().clone().requires_grad_(True) for k in PARAM_NAMES}
    mse, l1_loss, _, _ = losses(q, x, y, kind, l1)
    (mse + l1_loss).backward()
    return {k: q[k].grad for k in PARAM_NAMES}


def hand_adam_step(p, grads, state, t, lr, b1=0.9, b2=0.999, eps=1e-8, max_norm=1.0):
    """Clip (torch's formula: coef = max_norm / (norm + 1e-6), capped at 1) then Adam."""
    total = math.sqrt(sum(float(g.pow(2).sum()) for g in grads.values()))
    coef = min(1.0, max_norm / (total + 1e-6))
    out = {}
    for k in PARAM_NAMES:
        g = grads[k] * coef
        m, v = state.get(k, (torch.zeros_like(g), torch.zeros_like(g)))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        state[k] = (m, v)
        bc1 = 1 - b1**t
        bc2 = 1 - b2**t
        out[k] = p[k] - (lr / bc1) * m / (v.sqrt() / math.sqrt(bc2) + eps)
    return out


def check_grads(root):
    worst = 0.0
    for case in ("sae", "transcoder"):
        d = os.path.join(root, case)
        with open(os.path.join(d, "case.json")) as fh:
            cs = json.load(fh)
        kind = cs["kind"]
        x, y = load_data(os.path.join(d, "acts.safetensors"), kind)
        x, y = x.double(), y.double()
        _, init = load_saelens(os.path.join(d, "init"))
        init = {k: v.double() for k, v in init.items()}
        N, B = x.shape[0], cs["batch"]
        # Check at init and at the trained state (rows with different batches, incl. wrap).
        _, final = load_saelens(os.path.join(d, "expected"))
        final = {k: v.double() for k, v in final.items()}
        for label, p, step0 in (("init", init, 0), ("expected", final, 6)):
            idx = torch.tensor(batch_rows(step0, B, N))
            xb, yb = x[idx], y[idx]
            ha = hand_grads(p, xb, yb, kind, cs["l1"])
            au = autograd_grads(p, xb, yb, kind, cs["l1"])
            parts = []
            for k in PARAM_NAMES:
                ad = float((ha[k] - au[k]).abs().max())
                rel = ad / max(float(au[k].abs().max()), 1e-300)
                worst = max(worst, rel)
                parts.append(f"{k}: max|d|={ad:.3e} rel={rel:.3e}")
            print(f"[{case}/{label} batch {step0}] " + "; ".join(parts))
        # Hand Adam + clip against the torch run for 3 steps.
        xs, ys = x, y
        p = dict(init)
        state = {}
        for i in range(3):
            idx = torch.tensor(batch_rows(i, B, N))
            p = hand_adam_step(p, hand_grads(p, xs[idx], ys[idx], kind, cs["l1"]), state, i + 1, cs["lr"])
        ref, _ = train(x, y, init, kind, cs["l1"], cs["lr"], B, 3, torch.float64)
        ad = max(float((p[k] - ref[k]).abs().max()) for k in PARAM_NAMES)
        print(f"[{case}] hand clip+Adam vs torch after 3 steps: max|d| = {ad:.3e}")
    print(f"worst relative gradient discrepancy: {worst:.3e}")
    return worst


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------

CASES = {
    # l1 / lr chosen so L0 falls clearly over 50 steps, stays > 0, and weights move visibly.
    # Seeds picked (out of 0..79) for a comfortable ReLU margin: no latent sits within ~3e-6
    # of switching on/off at any step, so a float32 implementation follows the same path.
    "sae": dict(kind="sae", d_in=24, d_out=24, d_sae=72, n_rows=200, l1=2.5, lr=0.003, batch=32, steps=50, seed=41),
    "transcoder": dict(
        kind="transcoder", d_in=20, d_out=12, d_sae=56, n_rows=200, l1=1.25, lr=0.003, batch=32, steps=50, seed=48
    ),
}


def kaiming_rows(rows, cols, gen, norm=0.1):
    """Kaiming-uniform on a [rows, cols] tensor (fan_in = cols; the bound is irrelevant
    since each row is then rescaled to L2 norm `norm`)."""
    bound = math.sqrt(6.0 / cols)  # gain sqrt(2) * sqrt(3 / fan_in)
    w = (torch.rand(rows, cols, generator=gen, dtype=torch.float64) * 2 - 1) * bound
    return w * (norm / w.norm(dim=1, keepdim=True))


def make_acts(cs, gen):
    """Sparse nonnegative codes over a random dictionary (a low-rank-ish signal) plus
    noise and a non-zero mean; for the transcoder y = a nonlinear map of x plus noise
    with its own non-zero mean."""
    N, d_in = cs["n_rows"], cs["d_in"]
    n_true = 40
    D = torch.randn(n_true, d_in, generator=gen, dtype=torch.float64)
    D = D / D.norm(dim=1, keepdim=True)
    on = (torch.rand(N, n_true, generator=gen, dtype=torch.float64) < 0.08).double()
    mag = -torch.log(torch.rand(N, n_true, generator=gen, dtype=torch.float64)) * 1.5
    codes = on * mag
    mu_x = 0.5 * torch.randn(d_in, generator=gen, dtype=torch.float64)
    x = codes @ D + mu_x + 0.1 * torch.randn(N, d_in, generator=gen, dtype=torch.float64)
    out = {"x": x.float()}
    if cs["kind"] == "transcoder":
        d_out, hid = cs["d_out"], 32
        A = torch.randn(d_in, hid, generator=gen, dtype=torch.float64) / math.sqrt(d_in)
        a0 = 0.3 * torch.randn(hid, generator=gen, dtype=torch.float64)
        Bm = torch.randn(hid, d_out, generator=gen, dtype=torch.float64) / math.sqrt(hid)
        mu_y = 0.8 * torch.randn(d_out, generator=gen, dtype=torch.float64)
        h = torch.nn.functional.gelu(x @ A + a0)
        y = h @ Bm + mu_y + 0.05 * torch.randn(N, d_out, generator=gen, dtype=torch.float64)
        out["y"] = y.float()
    return out


def make_init(cs, gen):
    d_in, d_out, F = cs["d_in"], cs["d_out"], cs["d_sae"]
    W_dec = kaiming_rows(F, d_out, gen)
    if cs["kind"] == "sae":
        W_enc = W_dec.t().clone()
    else:
        # Same recipe on W_enc's own shape: one d_in-vector per latent, norm 0.1.
        W_enc = kaiming_rows(F, d_in, gen).t().contiguous()
    # Training-math init has b_enc = b_dec = 0; the fixture uses small non-zero biases so
    # every gradient path (incl. the SAE's input-side b_dec term) is exercised from step 1.
    b_enc = 0.02 * torch.randn(F, generator=gen, dtype=torch.float64)
    b_dec = 0.05 * torch.randn(d_out, generator=gen, dtype=torch.float64)
    return {k: v.float() for k, v in dict(W_enc=W_enc, b_enc=b_enc, W_dec=W_dec, b_dec=b_dec).items()}


def rel_stats(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm()), float((a - b).abs().max() / b.abs().max())


def make_fixture(root, cases=CASES, l1_override=None):
    summary = {}
    for name, cs in cases.items():
        cs = dict(cs)
        if l1_override and name in l1_override:
            cs["l1"] = l1_override[name]
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        gen = torch.Generator().manual_seed(cs["seed"])
        acts = make_acts(cs, gen)
        write_safetensors(os.path.join(d, "acts.safetensors"), acts, {"format": "pt"})
        init = make_init(cs, gen)
        save_saelens(os.path.join(d, "init"), cs["kind"], init)
        case = {k: cs[k] for k in ("kind", "d_in", "d_out", "d_sae", "n_rows", "l1", "lr", "batch", "steps")}
        write_json(os.path.join(d, "case.json"), case)

        # Re-read everything from disk so the runs see exactly what the tests will see.
        x, y = load_data(os.path.join(d, "acts.safetensors"), cs["kind"])
        _, init = load_saelens(os.path.join(d, "init"))
        res = {}
        margins = []
        for sub, dt in (("expected", torch.float64), ("expected_float32", torch.float32)):
            mg = margins if dt == torch.float64 else None
            final, log = train(x, y, init, cs["kind"], cs["l1"], cs["lr"], cs["batch"], cs["steps"], dt, mg)
            save_saelens(os.path.join(d, sub), cs["kind"], final)
            write_metrics(os.path.join(d, sub, "metrics.jsonl"), log)
            res[sub] = (final, log)
        f64, log64 = res["expected"]
        f32, log32 = res["expected_float32"]
        s = {"case": case, "drift_f32_vs_f64": {}, "moved": {}}
        for k in PARAM_NAMES:
            s["drift_f32_vs_f64"][k] = rel_stats(f32[k], f64[k])
            w0 = init[k].double()
            s["moved"][k] = float((f64[k] - w0).norm() / w0.norm())
        s["metric_drift"] = {
            k: max(abs(a[k] - b[k]) for a, b in zip(log32, log64))
            for k in ("mse_loss", "l1_loss", "l0", "explained_variance")
        }
        s["l0_first_last"] = (log64[0]["l0"], log64[-1]["l0"])
        s["ev_first_last"] = (log64[0]["explained_variance"], log64[-1]["explained_variance"])
        s["mse_first_last"] = (log64[0]["mse_loss"], log64[-1]["mse_loss"])
        s["l0_min"] = min(m["l0"] for m in log64)
        s["l0_f32_last"] = log32[-1]["l0"]
        s["min_abs_pre"] = min(margins)
        summary[name] = s
        print(json.dumps({name: s}, indent=1))
    return summary


# --------------------------------------------------------------------------------------
# Modern architectures (architectures.md §2-§5, SAELens v6.18 sae_lens/saes/*_sae.py and
# training/sae_trainer.py): topk, batchtopk and jumprelu, each as an SAE or a transcoder,
# a transcoder optionally with a skip connection. Float64 autograd; JumpReLU's
# straight-through estimators are custom autograd Functions, as in SAELens.
# --------------------------------------------------------------------------------------

ARCH_DEFAULTS = dict(
    apply_b_dec_to_input=True,
    k=100,
    rescale_acts_by_decoder_norm=True,
    aux_loss_coefficient=1.0,
    topk_threshold_lr=0.01,
    dead_feature_window=1000,
    jumprelu_init_threshold=0.01,
    jumprelu_bandwidth=0.05,
    jumprelu_sparsity_loss_mode="step",
    jumprelu_tanh_scale=4.0,
    l0_coefficient=1.0,
    pre_act_loss_coefficient=None,
    matryoshka_widths=None,
    skip=False,
)

# Matryoshka BatchTopK (SAELens sae_lens/saes/matryoshka_batchtopk_sae.py@424e190, with
# use_matryoshka_aux_loss=False, its default): BatchTopK's forward, AuxK and τ, plus for every
# width but the last an inner_mse_loss_{w} on the prefix decode b_dec + Σ_{j<w} (f_j/n_j) W_dec[j].
BATCH_TOPK = ("batchtopk", "matryoshka_batchtopk")


def arch_param_names(cs):
    """Training parameters, as the trainer holds them (JumpReLU trains log_threshold)."""
    extra = ("log_threshold",) if cs["architecture"] == "jumprelu" else ()
    return PARAM_NAMES + extra + (("W_skip",) if cs["skip"] else ())


def rectangle(x):
    return ((x > -0.5) & (x < 0.5)).to(x)


class JumpReLUFunction(torch.autograd.Function):
    """x·1[x > θ]; backward: 1[x > θ]·g to x (no STE on x), Σ_b −(θ/ε)·K((x − θ)/ε)·g to θ."""

    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x * (x > threshold)).to(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, threshold = ctx.saved_tensors
        bw = ctx.bandwidth
        x_grad = (x > threshold) * grad_output
        threshold_grad = torch.sum(-(threshold / bw) * rectangle((x - threshold) / bw) * grad_output, dim=0)
        return x_grad, threshold_grad, None


class StepFunction(torch.autograd.Function):
    """1[x > θ]; backward: nothing to x, Σ_b −(1/ε)·K((x − θ)/ε)·g to θ."""

    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, threshold = ctx.saved_tensors
        bw = ctx.bandwidth
        threshold_grad = torch.sum(-(1.0 / bw) * rectangle((x - threshold) / bw) * grad_output, dim=0)
        return None, threshold_grad, None


def topk_activation(x, k):
    """SAELens TopK: the k largest of each row, then ReLU."""
    values, indices = torch.topk(x, k=k, dim=-1, sorted=False)
    result = torch.zeros_like(x)
    result.scatter_(-1, indices, values.relu())
    return result


def batchtopk_activation(x, k):
    """SAELens BatchTopK: ReLU, then the int(k·B) largest entries of the whole batch."""
    acts = x.relu()
    flat = acts.flatten()
    top = torch.topk(flat, int(k * acts.shape[:-1].numel()), dim=-1)
    return torch.zeros_like(flat).scatter(-1, top.indices, top.values).reshape(acts.shape)


def arch_rescales(cs):
    return cs["architecture"] != "jumprelu" and cs["rescale_acts_by_decoder_norm"]


def arch_encode(p, x, cs):
    """hidden_pre: (x − b_dec for a shifting SAE) @ W_enc + b_enc, times ‖W_dec[j]‖ when rescaling."""
    sae_in = x - p["b_dec"] if cs["kind"] == "sae" and cs["apply_b_dec_to_input"] else x
    hidden_pre = sae_in @ p["W_enc"] + p["b_enc"]
    if arch_rescales(cs):
        hidden_pre = hidden_pre * p["W_dec"].norm(dim=-1)
    return hidden_pre


def arch_decode(p, acts, cs):
    if arch_rescales(cs):
        acts = acts * (1 / p["W_dec"].norm(dim=-1))
    return acts @ p["W_dec"] + p["b_dec"]


def topk_aux_loss(p, y, sae_out, hidden_pre, dead, cs):
    """SAELens calculate_topk_aux_loss. k_aux's cap is half the residual's width: SAELens's
    sae_in.shape[-1] for an SAE, d_out for a transcoder (as sparsify's y.shape[-1])."""
    num_dead = int(dead.sum())
    if num_dead == 0:
        return sae_out.new_tensor(0.0)
    residual = (y - sae_out).detach()
    k_aux = y.shape[-1] // 2
    scale = min(num_dead / k_aux, 1.0)
    k_aux = min(k_aux, num_dead)
    auxk_latents = torch.where(dead[None], hidden_pre, -torch.inf)
    auxk_topk = auxk_latents.topk(k_aux, sorted=False)
    auxk_acts = torch.zeros_like(hidden_pre)
    auxk_acts.scatter_(-1, auxk_topk.indices, auxk_topk.values)
    recons = arch_decode(p, auxk_acts, cs)  # b_dec included, no skip
    return cs["aux_loss_coefficient"] * scale * (recons - residual).pow(2).sum(dim=-1).mean()


def jumprelu_aux_losses(p, hidden_pre, f, dead, cs):
    """SAELens JumpReLUTrainingSAE.calculate_aux_loss: l0_loss and (when on) pre_act_loss."""
    threshold = p["log_threshold"].exp()
    W_dec_norm = p["W_dec"].norm(dim=1)
    c = cs["l0_coefficient"]
    if cs["jumprelu_sparsity_loss_mode"] == "step":
        l0 = torch.sum(StepFunction.apply(hidden_pre, threshold, cs["jumprelu_bandwidth"]), dim=-1)
        out = {"l0_loss": (c * l0).mean()}
    else:
        per_item = torch.tanh(cs["jumprelu_tanh_scale"] * f * W_dec_norm).sum(dim=-1)
        out = {"l0_loss": (c * per_item).mean()}
    if cs["pre_act_loss_coefficient"] is not None:
        if not dead.any():
            out["pre_act_loss"] = hidden_pre.new_tensor(0.0)
        else:
            per_item = ((threshold - hidden_pre).relu() * dead * W_dec_norm).sum(dim=-1)
            out["pre_act_loss"] = cs["pre_act_loss_coefficient"] * per_item.mean()
    return out


def matryoshka_inner_losses(p, f, y, cs):
    """SAELens MatryoshkaBatchTopKTrainingSAE: _iterable_decode(include_outer_loss=False)."""
    acts = f * (1 / p["W_dec"].norm(dim=-1)) if arch_rescales(cs) else f
    decoded = p["b_dec"]
    prev = 0
    out = {}
    for width in cs["matryoshka_widths"][:-1]:
        decoded = acts[:, prev:width] @ p["W_dec"][prev:width] + decoded
        prev = width
        out[f"inner_mse_loss_{width}"] = (decoded - y).pow(2).sum(dim=-1).mean()
    return out


def arch_losses(p, x, y, cs, dead):
    """SAELens training_forward_pass: ({name: loss}, hidden_pre, feature_acts, sae_out)."""
    hidden_pre = arch_encode(p, x, cs)
    arch = cs["architecture"]
    if arch == "topk":
        f = topk_activation(hidden_pre, cs["k"])
    elif arch in BATCH_TOPK:
        f = batchtopk_activation(hidden_pre, cs["k"])
    else:
        f = JumpReLUFunction.apply(hidden_pre, p["log_threshold"].exp(), cs["jumprelu_bandwidth"])
    sae_out = arch_decode(p, f, cs)
    if cs["skip"]:
        sae_out = sae_out + x @ p["W_skip"].T
    losses = {"mse_loss": (sae_out - y).pow(2).sum(dim=-1).mean()}
    if arch == "jumprelu":
        losses.update(jumprelu_aux_losses(p, hidden_pre, f, dead, cs))
    else:
        losses["auxiliary_reconstruction_loss"] = topk_aux_loss(p, y, sae_out, hidden_pre, dead, cs)
    if arch == "matryoshka_batchtopk":
        losses.update(matryoshka_inner_losses(p, f, y, cs))
    return losses, hidden_pre, f, sae_out


def _gap(sorted_desc, k):
    """Last kept minus first dropped of a descending row (inf when nothing is dropped)."""
    if k <= 0 or k >= sorted_desc.shape[-1]:
        return math.inf
    return float((sorted_desc[..., k - 1] - sorted_desc[..., k]).min())


def arch_margins(hidden_pre, dead, p, cs):
    """How far this step's discrete choices are from flipping (float64 values)."""
    arch = cs["architecture"]
    out = {}
    with torch.no_grad():
        if arch == "topk":
            ranked = hidden_pre.sort(dim=-1, descending=True).values
            out["topk_gap"] = _gap(ranked, cs["k"])
            out["relu_kink"] = float(ranked[:, : cs["k"]].abs().min())
        elif arch in BATCH_TOPK:
            K = int(cs["k"] * hidden_pre.shape[0])
            out["batchtopk_gap"] = _gap(hidden_pre.relu().flatten().sort(descending=True).values, K)
            out["positive_minus_kept"] = int((hidden_pre > 0).sum()) - K
        else:
            d = (hidden_pre - p["log_threshold"].exp()).abs()
            out["jump"] = float(d.min())
            out["rectangle_edge"] = float((d - cs["jumprelu_bandwidth"] / 2).abs().min())
        num_dead = int(dead.sum())
        if arch != "jumprelu" and num_dead > 0:
            k_aux = min(cs["d_out"] // 2, num_dead)
            cand = hidden_pre[:, dead].sort(dim=-1, descending=True).values
            out["auxk_gap"] = _gap(cand, k_aux)
    return out


def arch_train(x, y, init, cs, dtype, margins=None):
    """SAELens SAETrainer._train_step, `steps` times. Returns (final {name: tensor}, per-step
    metrics, trainer state {n_forward_passes_since_fired, topk_threshold})."""
    x, y = x.to(dtype), y.to(dtype)
    names = arch_param_names(cs)
    params = {k: torch.nn.Parameter(init[k].detach().to(dtype).clone()) for k in names}
    plist = [params[k] for k in names]
    opt = torch.optim.Adam(plist, lr=cs["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    since_fired = torch.zeros(cs["d_sae"])
    topk_threshold = init["topk_threshold"].to(torch.float64).clone()
    N, B = x.shape[0], cs["batch"]
    log = []
    for i in range(cs["steps"]):
        idx = torch.tensor(batch_rows(i, B, N), dtype=torch.long)
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        dead = since_fired > cs["dead_feature_window"]
        losses, hidden_pre, f, sae_out = arch_losses(params, xb, yb, cs, dead)
        loss = losses["mse_loss"]
        for name, value in losses.items():
            if name != "mse_loss":
                loss = loss + value
        with torch.no_grad():
            if cs["architecture"] in BATCH_TOPK:
                positive = f > 0
                if positive.any():
                    lr = cs["topk_threshold_lr"]
                    topk_threshold = (1 - lr) * topk_threshold + lr * f[positive].min().to(torch.float64)
            did_fire = f.bool().float().sum(-2).bool()
            since_fired += 1
            since_fired[did_fire] = 0
            resid = (sae_out - yb).pow(2).sum(-1).mean()
            var = (yb - yb.mean(0, keepdim=True)).pow(2).sum(-1).mean()
        m = {"step": i + 1, **{k: float(v) for k, v in losses.items()}, "loss": float(loss)}
        m["l0"] = float(f.bool().to(dtype).sum(-1).mean())
        m["explained_variance"] = float(1.0 - resid / var)
        m["dead_features"] = int(dead.sum())
        if cs["architecture"] in BATCH_TOPK:
            m["topk_threshold"] = float(topk_threshold)
        if margins is not None:
            margins.append(arch_margins(hidden_pre, dead, params, cs))
        loss.backward()
        m["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(plist, 1.0))
        opt.step()
        log.append(m)
    final = {k: params[k].detach().clone() for k in names}
    state = {"n_forward_passes_since_fired": [int(v) for v in since_fired], "topk_threshold": float(topk_threshold)}
    return final, log, state


# Checkpoint tensors (SAELens process_state_dict_for_saving): JumpReLU stores threshold =
# exp(log_threshold), BatchTopK its topk_threshold buffer (F64 scalar).


def to_checkpoint(params, cs, topk_threshold, dtype):
    out = {k: params[k].detach().to(dtype) for k in PARAM_NAMES}
    if cs["architecture"] == "jumprelu":
        out["threshold"] = params["log_threshold"].detach().exp().to(dtype)
    if cs["skip"]:
        out["W_skip"] = params["W_skip"].detach().to(dtype)
    if cs["architecture"] in BATCH_TOPK:
        out["topk_threshold"] = torch.tensor(topk_threshold, dtype=torch.float64)
    return out


def from_checkpoint(tensors, cs):
    """Training parameters (float64) and the initial topk_threshold from checkpoint tensors."""
    p = {k: tensors[k].double() for k in PARAM_NAMES}
    if cs["architecture"] == "jumprelu":
        p["log_threshold"] = torch.log(tensors["threshold"].double())
    if cs["skip"]:
        p["W_skip"] = tensors["W_skip"].double()
    p["topk_threshold"] = tensors.get("topk_threshold", torch.tensor(0.0, dtype=torch.float64))
    return p


def arch_export(params, cs, topk_threshold):
    """SAELens save_inference_model's tensors (float64): folded norms for the TopK family,
    batchtopk's threshold = τ for every latent, jumprelu's threshold = exp(log_threshold)."""
    sd = {k: params[k].detach().double().clone() for k in PARAM_NAMES}
    if arch_rescales(cs):
        W_dec_norm = sd["W_dec"].norm(dim=-1)
        sd["b_enc"] = sd["b_enc"] * W_dec_norm
        sd["W_dec"] = sd["W_dec"] / W_dec_norm.unsqueeze(1)
        sd["W_enc"] = sd["W_enc"] * W_dec_norm.unsqueeze(1).T
    if cs["architecture"] in BATCH_TOPK:
        sd["threshold"] = torch.ones_like(sd["b_enc"]) * topk_threshold
    if cs["architecture"] == "jumprelu":
        sd["threshold"] = params["log_threshold"].detach().double().exp()
    if cs["skip"]:
        sd["W_skip"] = params["W_skip"].detach().double().clone()
    return sd


def inference_architecture(cs):
    """cfg.json's architecture for the saved dictionary (topk_transcoder is not SAELens's)."""
    jump = cs["architecture"] != "topk"
    if cs["kind"] == "sae":
        return "jumprelu" if jump else "topk"
    assert jump or not cs["skip"], "no architecture name for a TopK skip transcoder"
    return ("jumprelu_" if jump else "topk_") + ("skip_transcoder" if cs["skip"] else "transcoder")


ARCH_HYPERPARAMETERS = {
    "topk": ("k", "rescale_acts_by_decoder_norm", "aux_loss_coefficient"),
    "batchtopk": ("k", "rescale_acts_by_decoder_norm", "aux_loss_coefficient", "topk_threshold_lr"),
    "matryoshka_batchtopk": (
        "k", "rescale_acts_by_decoder_norm", "aux_loss_coefficient", "topk_threshold_lr", "matryoshka_widths",
    ),
    "jumprelu": (
        "jumprelu_init_threshold",
        "jumprelu_bandwidth",
        "jumprelu_sparsity_loss_mode",
        "jumprelu_tanh_scale",
        "l0_coefficient",
        "pre_act_loss_coefficient",
    ),
}


def arch_cfg(cs, inference):
    cfg = make_cfg(cs["kind"], cs["d_in"], cs["d_sae"], cs["d_out"])
    cfg["apply_b_dec_to_input"] = cs["kind"] == "sae" and cs["apply_b_dec_to_input"]
    if inference:
        cfg["architecture"] = inference_architecture(cs)
        if cs["architecture"] == "topk":
            cfg.update(k=cs["k"], rescale_acts_by_decoder_norm=cs["rescale_acts_by_decoder_norm"])
        return cfg
    cfg["architecture"] = cs["architecture"]
    cfg.update({k: cs[k] for k in ARCH_HYPERPARAMETERS[cs["architecture"]]})
    cfg.update(decoder_init_norm=0.1, dead_feature_window=cs["dead_feature_window"], skip=cs["skip"])
    return cfg


def save_checkpoint(folder, cs, tensors, inference=False):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "cfg.json"), arch_cfg(cs, inference))
    write_safetensors(os.path.join(folder, "sae_weights.safetensors"), tensors)


# Tiny cases (a few tens of KB each). AuxK and the pre-activation loss need dead latents, so
# dead_feature_window is a few steps. Seeds were picked (out of 0..39) for the widest margins
# of every discrete choice over the run (top-k gaps, ReLU and JumpReLU kinks, rectangle
# edges); the make-arch-fixtures summary prints them.
ARCH_CASES = {
    "topk_sae": dict(
        kind="sae", architecture="topk", d_in=12, d_out=12, d_sae=48, k=4,
        dead_feature_window=3, lr=0.01, seed=15,
    ),
    "topk_transcoder": dict(
        kind="transcoder", architecture="topk", d_in=12, d_out=8, d_sae=48, k=4,
        aux_loss_coefficient=0.5, dead_feature_window=3, lr=0.01, seed=4,
    ),
    "batchtopk_sae": dict(
        kind="sae", architecture="batchtopk", d_in=12, d_out=12, d_sae=48, k=3.5,
        dead_feature_window=3, lr=0.01, seed=19,
    ),
    "matryoshka_batchtopk_sae": dict(
        kind="sae", architecture="matryoshka_batchtopk", d_in=12, d_out=12, d_sae=48, k=3.5,
        matryoshka_widths=[6, 16, 32, 48], dead_feature_window=3, lr=0.01, seed=24,
    ),
    "jumprelu_sae": dict(
        kind="sae", architecture="jumprelu", d_in=12, d_out=12, d_sae=48, jumprelu_init_threshold=0.05,
        l0_coefficient=0.2, pre_act_loss_coefficient=0.5, dead_feature_window=3, start_dead=6,
        lr=0.02, seed=30,
    ),
    "jumprelu_skip_transcoder": dict(
        kind="transcoder", architecture="jumprelu", d_in=12, d_out=8, d_sae=48, skip=True,
        jumprelu_init_threshold=0.05, jumprelu_sparsity_loss_mode="tanh", l0_coefficient=0.1,
        dead_feature_window=3, lr=0.02, seed=34,
    ),
}
ARCH_COMMON = dict(n_rows=160, batch=32, steps=50)


def arch_case(name):
    cs = {**ARCH_DEFAULTS, **ARCH_COMMON, **ARCH_CASES[name]}
    if cs["kind"] == "transcoder":
        cs["apply_b_dec_to_input"] = False
    return cs


def make_arch_init(cs, gen):
    """SAELens's init (W_dec rows at norm 0.1, W_enc = W_decᵀ or drawn alike on its own
    shape, W_skip = 0, τ = 0) except small non-zero biases and thresholds spread around
    jumprelu_init_threshold, so every gradient path and every latent index is exercised, and
    optionally `start_dead` latents that start dead (for AuxK or the pre-activation loss)."""
    t = make_init(cs, gen)
    # Latents that start with b_enc = -1 never fire: dead after dead_feature_window steps.
    t["b_enc"][: cs.get("start_dead", 0)] = -1.0
    if cs["architecture"] == "jumprelu":
        spread = torch.exp(0.3 * torch.randn(cs["d_sae"], generator=gen, dtype=torch.float64))
        t["threshold"] = (cs["jumprelu_init_threshold"] * spread).float()
    if cs["skip"]:
        t["W_skip"] = torch.zeros(cs["d_out"], cs["d_in"])
    if cs["architecture"] in BATCH_TOPK:
        t["topk_threshold"] = torch.tensor(0.0, dtype=torch.float64)
    return t


def run_arch_case(d, cs, margins=None):
    """Both runs of a case from the files on disk: {dtype name: (final, log, state)}."""
    x, y = load_data(os.path.join(d, "acts.safetensors"), cs["kind"])
    tensors, _ = read_safetensors(os.path.join(d, "init", "sae_weights.safetensors"))
    init = from_checkpoint(tensors, cs)
    return {
        "expected": arch_train(x, y, init, cs, torch.float64, margins),
        "expected_float32": arch_train(x, y, init, cs, torch.float32),
    }


def case_json(cs):
    """The case's hyperparameters: every one its architecture reads, under SAELens's names."""
    keys = ("kind", "architecture", "d_in", "d_out", "d_sae", "apply_b_dec_to_input", "skip")
    keys += ARCH_HYPERPARAMETERS[cs["architecture"]]
    keys += ("dead_feature_window", "lr", "batch", "steps", "n_rows", "start_dead")
    return {k: cs[k] for k in keys if k in cs}


def make_arch_fixtures(root, names):
    for name in names:
        cs = arch_case(name)
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        gen = torch.Generator().manual_seed(cs["seed"])
        write_safetensors(os.path.join(d, "acts.safetensors"), make_acts(cs, gen), {"format": "pt"})
        save_checkpoint(os.path.join(d, "init"), cs, make_arch_init(cs, gen))
        write_json(os.path.join(d, "case.json"), case_json(cs))
        margins = []
        runs = run_arch_case(d, cs, margins)
        for sub, dtype in (("expected", torch.float64), ("expected_float32", torch.float32)):
            final, log, state = runs[sub]
            save_checkpoint(os.path.join(d, sub), cs, to_checkpoint(final, cs, state["topk_threshold"], dtype))
            write_metrics(os.path.join(d, sub, "metrics.jsonl"), log)
            write_json(os.path.join(d, sub, "trainer_state.json"), state)
        final, log, state = runs["expected"]
        exported = arch_export(final, cs, state["topk_threshold"])
        save_checkpoint(os.path.join(d, "exported"), cs, {k: v.float() for k, v in exported.items()}, True)
        init = from_checkpoint(read_safetensors(os.path.join(d, "init", "sae_weights.safetensors"))[0], cs)
        print(json.dumps({name: arch_summary(init, runs, margins)}, indent=1))


def arch_summary(init, runs, margins):
    """What to look at when choosing a case: float32 drift, how far the weights moved, whether
    float32 makes the same discrete choices, and the float64 run's smallest margins."""
    f64, log64, st64 = runs["expected"]
    f32, log32, st32 = runs["expected_float32"]
    keys = sorted({k for m in margins for k in m})
    return {
        "drift_f32_vs_f64": {k: rel_stats(f32[k], f64[k]) for k in f64},
        "moved": {k: float((f64[k] - init[k]).norm() / init[k].norm()) for k in f64 if k != "W_skip"},
        "same_l0_and_dead": all(
            a["l0"] == b["l0"] and a["dead_features"] == b["dead_features"] for a, b in zip(log32, log64)
        ),
        "same_counters": st32["n_forward_passes_since_fired"] == st64["n_forward_passes_since_fired"],
        "l0_first_last": (log64[0]["l0"], log64[-1]["l0"]),
        "ev_first_last": (log64[0]["explained_variance"], log64[-1]["explained_variance"]),
        "dead_max": max(m["dead_features"] for m in log64),
        "steps_with_dead": sum(m["dead_features"] > 0 for m in log64),
        "topk_threshold": st64["topk_threshold"],
        "margins": {k: min(m.get(k, math.inf) for m in margins) for k in keys},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data")
    ap.add_argument("--kind", choices=["sae", "transcoder"])
    ap.add_argument("--init")
    ap.add_argument("--l1", type=float)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--out")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--make-fixture", action="store_true")
    ap.add_argument("--check-grads", action="store_true")
    ap.add_argument("--make-arch-fixtures", nargs="*", metavar="CASE", choices=list(ARCH_CASES))
    ap.add_argument("--fixture-root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.make_arch_fixtures is not None:
        make_arch_fixtures(os.path.normpath(a.fixture_root), a.make_arch_fixtures or list(ARCH_CASES))
    elif a.make_fixture:
        make_fixture(os.path.normpath(a.fixture_root))
        check_grads(os.path.normpath(a.fixture_root))
    elif a.check_grads:
        check_grads(os.path.normpath(a.fixture_root))
    else:
        need = ["data", "kind", "init", "l1", "lr", "batch", "steps", "out"]
        missing = [n for n in need if getattr(a, n) is None]
        if missing:
            ap.error("missing: " + ", ".join("--" + m for m in missing))
        run_cli(a)


if __name__ == "__main__":
    main()
