"""What SAEDashboard shows for two small SAEs (standard and JumpReLU) over given activations,
written out from SAEDashboard's and SAELens's code, for
src/engine/features/saeDashboardFidelity.test.ts:

- SAELens's fold_W_dec_norm (sae.py; jumprelu_sae.py scales the threshold by the norms) first,
  as SaeVisRunner.run does (sae_vis_runner.py);
- feature activations with the ignored tokens zeroed, frac_nonzero = nonzero / all tokens
  (sae_vis_runner.py);
- the activation histogram: torch.histc over the nonzero activations, 50 bins, edges
  linspace(min, max, 51) (utils_fns.py HistogramData.from_data);
- the top 20: a flat top-k over positions [buffer[0] + 1, -buffer[1]) with buffer (5, 5)
  (sequence_data_generator.py get_buffer_and_padding; utils_fns.py k_largest_indices).

    /usr/bin/python3 tools/make_dashboard_fixture.py

Debian's python3-torch; deterministic (seed 11). Writes test/fixtures/dashboards/saedashboard.json.
"""
import json
import os

import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "dashboards")
D_IN, D_SAE, BATCH, SEQ = 6, 5, 3, 24
EOT = 50256
BINS, TOP, BUFFER = 50, 20, (5, 5)
g = torch.Generator().manual_seed(11)


def rand(*shape, scale=1.0, shift=0.0):
    return ((torch.rand(*shape, generator=g) * 2 - 1) * scale + shift).to(torch.float32)


X = rand(BATCH, SEQ, D_IN, scale=2.0)
TOKENS = torch.randint(0, 1000, (BATCH, SEQ), generator=g)
TOKENS[:, 0] = EOT  # a BOS per window
TOKENS[1, 9] = EOT


def params(jumprelu):
    p = {
        "W_enc": rand(D_IN, D_SAE),
        "b_enc": rand(D_SAE, scale=0.3),
        # Rows far from unit norm, and different per feature.
        "W_dec": rand(D_SAE, D_IN) * torch.tensor([0.2, 3.0, 0.7, 1.5, 0.05])[:, None],
        "b_dec": rand(D_IN, scale=0.2),
    }
    p["b_enc"][4] = -100.0  # feature 4 never fires
    if jumprelu:
        p["threshold"] = rand(D_SAE, scale=0.2, shift=0.4)
    return p


def fold_w_dec_norm(p):
    """SAELens SAE.fold_W_dec_norm, and JumpReLUSAE's threshold scaling."""
    p = {k: v.clone() for k, v in p.items()}
    norms = p["W_dec"].norm(dim=-1)
    p["W_dec"] = p["W_dec"] / norms[:, None]
    p["W_enc"] = p["W_enc"] * norms[None, :]
    p["b_enc"] = p["b_enc"] * norms
    if "threshold" in p:
        p["threshold"] = p["threshold"] * norms
    return p


def encode(p):
    """SAELens StandardSAE / JumpReLUSAE encode (apply_b_dec_to_input)."""
    pre = (X - p["b_dec"]) @ p["W_enc"] + p["b_enc"]
    acts = torch.relu(pre)
    if "threshold" in p:
        acts = acts * (pre > p["threshold"])
    return acts


def k_largest_indices(x, k, buffer):
    x = x[:, buffer[0] : buffer[1]]
    idx = x.flatten().topk(k=k).indices
    return torch.stack((idx // x.size(1), idx % x.size(1) + buffer[0]), dim=1)


def dashboard(p):
    folded = fold_w_dec_norm(p)
    acts = encode(folded)
    mask = ~torch.isin(TOKENS, torch.tensor([EOT]))
    features = []
    for f in range(D_SAE):
        masked = acts[..., f] * mask
        nonzero = masked[masked > 0]
        feature = {"frac_nonzero": nonzero.numel() / masked.numel()}
        if nonzero.numel() > 0:
            lo, hi = nonzero.min().item(), nonzero.max().item()
            feature["max"] = hi
            feature["bin_edges"] = torch.linspace(lo, hi, BINS + 1).tolist()
            feature["bar_heights"] = torch.histc(nonzero, bins=BINS).int().tolist()
        else:
            feature["max"] = 0.0
            feature["bin_edges"] = []
            feature["bar_heights"] = []
        top = k_largest_indices(masked, TOP, (BUFFER[0] + 1, -BUFFER[1]))
        feature["top"] = [
            [s, pos, masked[s, pos].item()]
            for s, pos in top.tolist()
            if masked[s, pos].item() > 0
        ]
        features.append(feature)
    return {"params": {k: v.flatten().tolist() for k, v in p.items()}, "features": features}


os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "saedashboard.json"), "w") as out:
    json.dump(
        {
            "d_in": D_IN,
            "d_sae": D_SAE,
            "batch": BATCH,
            "seq": SEQ,
            "excluded": [EOT],
            "x": X.flatten().tolist(),
            "tokens": TOKENS.flatten().tolist(),
            "standard": dashboard(params(False)),
            "jumprelu": dashboard(params(True)),
        },
        out,
    )
