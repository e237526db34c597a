#!/usr/bin/python3
"""An independent check of a trained transcoder or SAE on any text, in float64 PyTorch.

Splices a SAELens folder (cfg.json + sae_weights.safetensors, as `npm run train` writes) into the
TransformerLens-processed forward of tools/gpt2_reference.py (its `patch` hook) and prints, over non-overlapping
windows of the token ids (no BOS, as `npm run eval` does): the clean next-token loss, the loss with
the dictionary's output in place of its target site, the loss with the target site zero-ablated,
and ce_loss_score = (ablated - spliced) / (ablated - clean). As `npm run eval` and sae_lens.evals
with exclude_special_tokens do, positions whose token is <|endoftext|> keep their activations
when spliced and are left out of the means (zero-ablation clears every position). It shares no code with the WGSL
engine, so it checks `npm run eval`'s figures and measures them on text the project never saw.

Usage:
  node -e '...encode(text)...' > ids.json   # GPT-2 token ids as a JSON list (gpt-tokenizer)
  /usr/bin/python3 tools/splice_check.py --model public/builtin/gpt2-brown --dict out/tc3 --tokens ids.json
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_reference as ref  # noqa: E402


EXCLUDED = {50256}


def load_dictionary(folder):
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    tensors, _ = ref.read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    w = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in tensors.items()}
    meta = cfg.get("metadata", cfg)
    hook_in = meta["hook_name"]
    hook_out = meta.get("hook_name_out", hook_in)
    architecture = cfg.get("architecture", "standard")
    if architecture not in ("standard", "transcoder"):
        raise SystemExit(f"{folder}: only the ReLU architecture is checked here (got {architecture})")
    apply_b_dec = bool(cfg.get("apply_b_dec_to_input", False))

    def apply(x):
        inp = x - w["b_dec"] if apply_b_dec else x
        acts = torch.relu(inp @ w["W_enc"] + w["b_enc"])
        return acts @ w["W_dec"] + w["b_dec"]

    return hook_in, hook_out, apply


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dict", required=True, help="SAELens folder")
    ap.add_argument("--tokens", required=True, help="JSON list of GPT-2 token ids")
    ap.add_argument("--context", type=int, default=128)
    args = ap.parse_args()
    model = ref.load_model(args.model)
    hook_in, hook_out, apply = load_dictionary(args.dict)
    ids = json.load(open(args.tokens))
    n = args.context
    windows = [ids[i : i + n] for i in range(0, len(ids) - n + 1, n)]
    totals = {"clean": 0.0, "spliced": 0.0, "ablated": 0.0}
    count = 0
    with torch.no_grad():
        for w in windows:
            keep = torch.tensor([tok not in EXCLUDED for tok in w])
            runs = {
                "clean": None,
                "spliced": lambda x, y: torch.where(keep[:, None], apply(x), y),
                "ablated": lambda _x, y: torch.zeros_like(y),
            }
            targets = torch.as_tensor(w[1:], dtype=torch.long)
            for name, replace in runs.items():
                patch = None
                if replace is not None:
                    patch = lambda hook, y, seen, r=replace: r(seen[hook_in], y) if hook == hook_out else y
                logits = ref.forward(model, w, "processed", patch)["logits"]
                ce = torch.nn.functional.cross_entropy(logits[:-1], targets, reduction="none")
                totals[name] += float(ce[keep[:-1]].sum())
            count += int(keep[:-1].sum())
    m = {k: v / count for k, v in totals.items()}
    score = (m["ablated"] - m["spliced"]) / (m["ablated"] - m["clean"])
    print(json.dumps({
        "tokens_file": args.tokens,
        "windows": len(windows),
        "predictions": count,
        "ce_loss_without_sae": round(m["clean"], 4),
        "ce_loss_with_sae": round(m["spliced"], 4),
        "ce_loss_with_ablation": round(m["ablated"], 4),
        "ablation_cost": round(m["ablated"] - m["clean"], 4),
        "ce_loss_score": round(score, 4),
    }, indent=2))


if __name__ == "__main__":
    main()
