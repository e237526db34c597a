"""Golden fixture for the ground-truth metrics (src/engine/synthetic/metrics*.ts).

Re-implements SAELens's eval_sae_on_synthetic_data (sae_lens/synthetic/evals.py@ae20a2d) and
find_best_feature_ordering (synthetic/plotting.py@00d8113) with their definitions:
cosine_similarities (rows over max(norm, 1e-8), then a matmul), MCC by
scipy.optimize.linear_sum_assignment(1 - |cos|), uniqueness, the L0 / dead latents / shrinkage /
explained variance / classification calculators. The metrics are computed in float64 from the
float32 values stored in the fixture, so the TypeScript side, given the same stored values,
must agree to rounding (~1e-12); SAELens itself runs them in float32.

Two cases, each a small planted model and a dictionary made to exercise every path:
- sae: 40 features in 24 dimensions, d_sae 32 < 40 (a wide assignment): latents close to a
  permutation of the features, duplicates (uniqueness < 1), random directions, a dead latent,
  and samples where no feature fires (x = 0: skipped by shrinkage).
- transcoder: u in 24 dimensions, v in 20, d_sae 48 > 40 (a tall assignment: 40 pairs); the
  decoder is scored against v, the encoder (W_enc^T) against u.

Writes test/fixtures/synthetic_metrics/<case>/tensors.safetensors (F32) and expected.json.
Run: /usr/bin/python3 tools/make_synthetic_metric_fixture.py (deterministic).
"""

import json
import os
import sys

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures",
                   "synthetic_metrics")


# ---- SAELens's definitions ---------------------------------------------------------------

def cosine_similarities(a, b):
    a_norm = a / a.norm(dim=1, keepdim=True).clamp(min=1e-8)
    b_norm = b / b.norm(dim=1, keepdim=True).clamp(min=1e-8)
    return a_norm @ b_norm.T


def mean_correlation_coefficient(features_a, features_b):
    cos_sim = cosine_similarities(features_a, features_b).abs()
    row_ind, col_ind = linear_sum_assignment(1 - cos_sim.numpy())
    return cos_sim[row_ind, col_ind].mean().item()


def feature_uniqueness(sae_features, gt_features):
    if sae_features.shape[0] == 0:
        return 0.0
    best = cosine_similarities(sae_features, gt_features).abs().argmax(dim=1)
    return len(best.unique()) / sae_features.shape[0]


def classification(sae_latents, gt_acts, sae_features, gt_features):
    best = cosine_similarities(sae_features, gt_features).abs().argmax(dim=1)
    sae_fires = sae_latents > 0
    gt_fires = gt_acts[:, best] > 0
    tp = (sae_fires & gt_fires).double().sum(dim=0)
    fp = (sae_fires & ~gt_fires).double().sum(dim=0)
    fn = (~sae_fires & gt_fires).double().sum(dim=0)
    tn = (~sae_fires & ~gt_fires).double().sum(dim=0)
    p_den = tp + fp
    precision = torch.where(p_den > 0, tp / p_den, torch.zeros_like(tp))
    r_den = tp + fn
    recall = torch.where(r_den > 0, tp / r_den, torch.zeros_like(tp))
    f_den = precision + recall
    f1 = torch.where(f_den > 0, 2 * precision * recall / f_den, torch.zeros_like(precision))
    accuracy = (tp + tn) / (tp + fp + fn + tn).clamp(min=1e-8)
    return {
        "precision": precision.mean().item(),
        "recall": recall.mean().item(),
        "f1_score": f1.mean().item(),
        "accuracy": accuracy.mean().item(),
    }


def l0(acts):
    return (acts > 0).double().sum().item() / acts.shape[0]


def dead_latents(latents):
    return int((~(latents > 0).any(dim=0)).sum().item())


def shrinkage(output, target, min_input_norm=1e-6):
    norms = target.norm(dim=-1)
    valid = norms > min_input_norm
    if not valid.any():
        return 0.0
    return ((output.norm(dim=-1)[valid] / norms[valid]).sum() / valid.sum()).item()


def explained_variance(output, target):
    n = target.shape[0]
    mean_squared_norm = target.pow(2).sum().item() / n
    total_variance = mean_squared_norm - (target.sum(dim=0) / n).pow(2).sum().item()
    residual = (target - output).pow(2).sum().item()
    if total_variance < 1e-10:
        return 1.0 if residual < 1e-10 else 0.0
    return 1.0 - residual / n / total_variance


def recovery(latents, acts, directions, truth):
    return {
        "mcc": mean_correlation_coefficient(directions, truth),
        "uniqueness": feature_uniqueness(directions, truth),
        "classification": classification(latents, acts, directions, truth),
    }


def best_feature_ordering(directions, truth):
    best = cosine_similarities(directions, truth).abs().argmax(dim=1)
    return torch.argsort(best, stable=True)


# ---- the planted cases -------------------------------------------------------------------

def unit_rows(m):
    return m / m.norm(dim=1, keepdim=True)


def feature_acts(gen, n, f):
    probs = 0.4 * (torch.arange(1, f + 1, dtype=torch.float64) ** -0.7)
    fires = torch.rand(n, f, generator=gen, dtype=torch.float64) < probs
    mags = (1.0 + 0.5 * torch.randn(n, f, generator=gen, dtype=torch.float64)).clamp(min=0)
    acts = torch.where(fires, mags, torch.zeros_like(mags))
    acts[::17] = 0  # samples where nothing fires
    return acts


def directions_for(gen, truth, plan):
    """plan: per latent, a feature index (its direction plus noise) or -1 (random)."""
    d = truth.shape[1]
    rows = []
    for f in plan:
        noise = torch.randn(d, generator=gen, dtype=torch.float64)
        rows.append(truth[f] + 0.35 * noise / d**0.5 if f >= 0 else noise)
    return unit_rows(torch.stack(rows))


def encode(x, w_enc, b_enc, b_dec_in):
    return torch.relu((x - b_dec_in) @ w_enc + b_enc)


def f32(t):
    return t.to(torch.float32)


def write_case(name, tensors, expected):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "tensors.safetensors"),
                      {k: f32(v).contiguous() for k, v in tensors.items()})
    with open(os.path.join(folder, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=2)
        fh.write("\n")


def stored(t):
    """The float32 value the fixture stores, as float64 for the metrics."""
    return f32(t).double()


def sae_case():
    gen = torch.Generator().manual_seed(7)
    f, d, n = 40, 24, 300
    truth = unit_rows(torch.randn(f, d, generator=gen, dtype=torch.float64))
    perm = torch.randperm(f, generator=gen).tolist()
    plan = perm[:24] + perm[:4] + [-1, -1, -1] + [perm[30]]
    w_dec = directions_for(gen, truth, plan)
    w_enc = w_dec.T.clone()
    b_enc = torch.full((len(plan),), -0.25, dtype=torch.float64)
    b_enc[-1] = -100.0  # dead
    b_dec = 0.01 * torch.randn(d, generator=gen, dtype=torch.float64)
    acts = feature_acts(gen, n, f)
    x = acts @ truth
    z = encode(x, w_enc, b_enc, b_dec)
    x_hat = z @ w_dec + b_dec
    t = {"feature_vectors": truth, "feature_acts": acts, "W_enc": w_enc, "b_enc": b_enc,
         "W_dec": w_dec, "b_dec": b_dec, "x": x, "latents": z, "reconstruction": x_hat}
    s = {k: stored(v) for k, v in t.items()}
    ordering = best_feature_ordering(s["W_dec"], s["feature_vectors"])
    heat = cosine_similarities(f32(s["W_dec"]), f32(s["feature_vectors"]))
    heat = (torch.round(heat * 100) / 100)[ordering]
    expected = {
        "kind": "sae", "num_features": f, "d_in": d, "d_out": d, "d_sae": len(plan),
        "samples": n,
        "true_l0": l0(s["feature_acts"]),
        "sae_l0": l0(s["latents"]),
        "dead_latents": dead_latents(s["latents"]),
        "shrinkage": shrinkage(s["reconstruction"], s["x"]),
        "explained_variance": explained_variance(s["reconstruction"], s["x"]),
        **recovery(s["latents"], s["feature_acts"], s["W_dec"], s["feature_vectors"]),
        "feature_ordering": ordering.tolist(),
        "decoder_heatmap": heat.tolist(),
    }
    write_case("sae", t, expected)


def transcoder_case():
    gen = torch.Generator().manual_seed(11)
    f, d_in, d_out, n = 40, 24, 20, 300
    u = unit_rows(torch.randn(f, d_in, generator=gen, dtype=torch.float64))
    v = unit_rows(torch.randn(f, d_out, generator=gen, dtype=torch.float64))
    perm = torch.randperm(f, generator=gen).tolist()
    # 48 latents: every feature once, 5 duplicates, 3 random; encoder and decoder planned apart
    # (the encoder misses some features the decoder has) so the two sides score differently.
    dec_plan = perm + perm[:5] + [-1, -1, -1]
    enc_plan = perm[:32] + [-1] * 8 + perm[:5] + perm[32:35]
    w_dec = directions_for(gen, v, dec_plan)
    w_enc = directions_for(gen, u, enc_plan).T.clone()
    b_enc = torch.full((len(dec_plan),), -0.3, dtype=torch.float64)
    b_dec = 0.02 * torch.randn(d_out, generator=gen, dtype=torch.float64)
    b_in = 0.05 * torch.randn(d_in, generator=gen, dtype=torch.float64)
    acts = feature_acts(gen, n, f)
    x = acts @ u + b_in
    y = acts @ v
    z = encode(x, w_enc, b_enc, torch.zeros(d_in, dtype=torch.float64))
    y_hat = z @ w_dec + b_dec
    t = {"input_vectors": u, "output_vectors": v, "feature_acts": acts, "W_enc": w_enc,
         "b_enc": b_enc, "W_dec": w_dec, "b_dec": b_dec, "x": x, "y": y, "latents": z,
         "reconstruction": y_hat}
    s = {k: stored(v) for k, v in t.items()}
    expected = {
        "kind": "transcoder", "num_features": f, "d_in": d_in, "d_out": d_out,
        "d_sae": len(dec_plan), "samples": n,
        "true_l0": l0(s["feature_acts"]),
        "sae_l0": l0(s["latents"]),
        "dead_latents": dead_latents(s["latents"]),
        "shrinkage": shrinkage(s["reconstruction"], s["y"]),
        "explained_variance": explained_variance(s["reconstruction"], s["y"]),
        **recovery(s["latents"], s["feature_acts"], s["W_dec"], s["output_vectors"]),
        "encoder": recovery(s["latents"], s["feature_acts"], s["W_enc"].T, s["input_vectors"]),
    }
    write_case("transcoder", t, expected)


if __name__ == "__main__":
    torch.set_num_threads(1)
    np.random.seed(0)
    sae_case()
    transcoder_case()
    print(f"wrote {os.path.normpath(OUT)}")
