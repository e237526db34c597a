#!/usr/bin/python3
"""Train the playground's built-in GPT-2-architecture model on the Brown corpus.

Plain PyTorch (no `transformers`); the module matches Hugging Face's GPT-2
math exactly: pre-LN blocks, causal softmax attention scaled by 1/sqrt(d_head),
gelu_new (tanh approximation), final ln_f, logits = h @ wte^T (tied).

Reads  public/builtin/brown.tokens.u16 + brown.json (from tools/build_corpus.mjs)
Writes public/builtin/gpt2-brown/{config.json, model.safetensors (F16),
       training.json, training_curve.csv}

Unseen tokens share one embedding. About a third of GPT-2's vocabulary never
occurs in the training slice. Training keeps one embedding row per token that
does occur plus one row shared by all the others, and counts that row
N_unseen times in the softmax (its logit gets + log N_unseen). That is exactly
the full-vocabulary cross-entropy of a GPT-2 whose unseen rows are all equal;
the saved model has the full [50257, d] wte with the shared row copied into
every unseen id, and its loss is re-measured with the full vocabulary after
saving. It cuts the cost of a step (dominated by the unembedding) by a third.

Usage:
  /usr/bin/python3 tools/train_builtin_model.py --steps 3600          # train (checkpoints as it goes)
  /usr/bin/python3 tools/train_builtin_model.py --steps 3600 --resume # continue after a stop
  /usr/bin/python3 tools/train_builtin_model.py --eval-only           # re-measure the saved model
  /usr/bin/python3 tools/train_builtin_model.py --init-from DIR --steps 600 ...
      # a second stage: start from the model saved in DIR (its MLPs widened to --d-mlp
      # by neurons that start silent), its curve continued and its record kept
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILTIN = os.path.join(ROOT, "public", "builtin")
OUT_DIR = os.path.join(BUILTIN, "gpt2-brown")
CKPT_DIR = os.path.join(ROOT, "tools", ".train-checkpoints")

VOCAB = 50257
EOT = 50256
N_CTX = 128
N_EMBD = 128
N_LAYER = 4
N_HEAD = 4
N_INNER = 512
LN_EPS = 1e-5


# --------------------------------------------------------------------------- model
def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    """HF's Conv1D: weight stored [in, out], y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.c_attn = Conv1D(N_EMBD, 3 * N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)
        self.dropout = dropout
        mask = torch.tril(torch.ones(N_CTX, N_CTX, dtype=torch.bool))
        self.register_buffer("mask", mask.view(1, 1, N_CTX, N_CTX), persistent=False)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // N_HEAD
        q, k, v = self.c_attn(x).split(d, dim=2)
        q = q.view(b, t, N_HEAD, dh).transpose(1, 2)
        k = k.view(b, t, N_HEAD, dh).transpose(1, 2)
        v = v.view(b, t, N_HEAD, dh).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
        w = w.masked_fill(~self.mask[:, :, :t, :t], torch.finfo(w.dtype).min)
        w = torch.softmax(w, dim=-1)
        y = torch.matmul(w, v).transpose(1, 2).reshape(b, t, d)
        return F.dropout(self.c_proj(y), self.dropout, self.training)


class MLP(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.c_fc = Conv1D(N_EMBD, N_INNER)
        self.c_proj = Conv1D(N_INNER, N_EMBD)
        self.dropout = dropout

    def forward(self, x):
        return F.dropout(self.c_proj(gelu_new(self.c_fc(x))), self.dropout, self.training)


class Block(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD, eps=LN_EPS)
        self.attn = Attention(dropout)
        self.ln_2 = nn.LayerNorm(N_EMBD, eps=LN_EPS)
        self.mlp = MLP(dropout)

    def forward(self, x, ablate_mlp=False):
        x = x + self.attn(self.ln_1(x))
        if ablate_mlp:
            return x
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, n_rows, dropout):
        super().__init__()
        self.wte = nn.Embedding(n_rows, N_EMBD)
        self.wpe = nn.Embedding(N_CTX, N_EMBD)
        self.h = nn.ModuleList([Block(dropout) for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD, eps=LN_EPS)


class GPT2LMHeadModel(nn.Module):
    """`n_rows` embedding rows. With `unseen_count` > 0 the last row stands for
    that many tokens at once (see the module docstring)."""

    def __init__(self, n_rows=VOCAB, unseen_count=0, dropout=0.0, bf16_unembed=False):
        super().__init__()
        self.transformer = Transformer(n_rows, dropout)
        self.dropout = dropout
        self.bf16_unembed = bf16_unembed
        self.log_unseen = math.log(unseen_count) if unseen_count > 0 else None

    def init_weights(self, seed):
        g = torch.Generator().manual_seed(seed)
        for name, p in self.named_parameters():
            if name.endswith(".bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name:
                nn.init.ones_(p)
            else:
                std = 0.02
                if name.endswith("c_proj.weight"):  # GPT-2's residual scaling
                    std = 0.02 / math.sqrt(2 * N_LAYER)
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=g) * std)

    def forward(self, idx, ablate_layer=None):
        tr = self.transformer
        t = idx.shape[1]
        x = tr.wte(idx) + tr.wpe(torch.arange(t, device=idx.device))
        x = F.dropout(x, self.dropout, self.training)
        for i, blk in enumerate(tr.h):
            x = blk(x, ablate_mlp=(i == ablate_layer))
        x = tr.ln_f(x)
        if self.bf16_unembed and self.training:
            # the unembedding is most of a step's cost; bfloat16 products (fp32 accumulation,
            # as autocast does) halve it on CPUs with AVX512-BF16. Evaluation stays fp32.
            logits = (x.to(torch.bfloat16) @ tr.wte.weight.to(torch.bfloat16).t()).float()
        else:
            logits = x @ tr.wte.weight.t()
        if self.log_unseen is not None:
            logits = torch.cat([logits[..., :-1], logits[..., -1:] + self.log_unseen], dim=-1)
        return logits


# --------------------------------------------------------------------------- vocabulary
class CompactVocab:
    """Token ids that occur in the training slice, in id order, then one shared row."""

    def __init__(self, train):
        self.seen = torch.unique(train)
        self.n_seen = len(self.seen)
        self.unseen_count = VOCAB - self.n_seen
        self.to_compact = torch.full((VOCAB,), self.n_seen, dtype=torch.long)
        self.to_compact[self.seen] = torch.arange(self.n_seen)

    def expand_wte(self, wte_compact):
        full = wte_compact[-1].expand(VOCAB, -1).clone()
        full[self.seen] = wte_compact[:-1]
        return full

    def full_state_dict(self, model):
        sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
        sd["transformer.wte.weight"] = self.expand_wte(sd["transformer.wte.weight"])
        return sd


# --------------------------------------------------------------------------- safetensors
def save_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    off = 0
    for name in sorted(tensors):
        arr = tensors[name].detach().cpu().to(torch.float16).contiguous().numpy().astype("<f2")
        b = arr.tobytes()
        header[name] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F16", info
        s, e = info["data_offsets"]
        arr = np.frombuffer(data[base + s : base + e], dtype="<f2").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


# --------------------------------------------------------------------------- data / eval
def load_extra(path):
    if path is None:
        return None
    toks = np.fromfile(path, dtype="<u2").astype(np.int64)
    print(f"extra corpus: {len(toks)} tokens from {path}", flush=True)
    return torch.from_numpy(toks)


def load_corpus():
    meta = json.load(open(os.path.join(BUILTIN, "brown.json")))
    toks = np.fromfile(os.path.join(BUILTIN, "brown.tokens.u16"), dtype="<u2").astype(np.int64)
    assert len(toks) == meta["tokens"], (len(toks), meta["tokens"])
    train = torch.from_numpy(toks[meta["train"]["start"] : meta["train"]["end"]])
    held = torch.from_numpy(toks[meta["heldOut"]["start"] : meta["heldOut"]["end"]])
    return meta, train, held


@torch.no_grad()
def heldout_loss(model, held, vocab=None, batch=32, ablate_layer=None):
    """Mean next-token cross-entropy (nats/token) over non-overlapping 128-token
    windows, with the full vocabulary. With `vocab` the model is the compact
    one: inputs and targets are mapped, and a target in the shared row costs
    log N_unseen more (the shared row's logit stands for N tokens at once)."""
    was_training = model.training
    model.eval()
    nwin = (len(held) - 1) // N_CTX
    total, count = 0.0, 0
    for i in range(0, nwin, batch):
        starts = range(i * N_CTX, min(nwin, i + batch) * N_CTX, N_CTX)
        x = torch.stack([held[s : s + N_CTX] for s in starts])
        y = torch.stack([held[s + 1 : s + 1 + N_CTX] for s in starts])
        if vocab is not None:
            x, y = vocab.to_compact[x], vocab.to_compact[y]
        logits = model(x, ablate_layer=ablate_layer)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        if vocab is not None:
            total += (y == vocab.n_seen).sum().item() * math.log(vocab.unseen_count)
        count += y.numel()
    model.train(was_training)
    return total / count, count


def config_json(dropout):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": VOCAB,
        "n_positions": N_CTX,
        "n_ctx": N_CTX,
        "n_embd": N_EMBD,
        "n_layer": N_LAYER,
        "n_head": N_HEAD,
        "n_inner": N_INNER,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": LN_EPS,
        "resid_pdrop": dropout,
        "embd_pdrop": dropout,
        "attn_pdrop": dropout,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "bos_token_id": EOT,
        "eos_token_id": EOT,
        "torch_dtype": "float16",
    }


def load_saved_model():
    m = GPT2LMHeadModel()
    sd = load_safetensors(os.path.join(OUT_DIR, "model.safetensors"))
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    return m


def model_quality(model, held):
    """Held-out loss and, per layer, what zero-ablating that layer's MLP costs."""
    clean, ntok = heldout_loss(model, held)
    layers = []
    for layer in range(N_LAYER):
        ablated, _ = heldout_loss(model, held, ablate_layer=layer)
        layers.append({"layer": layer, "mlpZeroAblationLoss": round(ablated, 4), "mlpZeroAblationCost": round(ablated - clean, 4)})
        print(f"  layer {layer}: MLP zero-ablated {ablated:.4f} (+{ablated - clean:.4f})", flush=True)
    return {
        "heldOutLoss": round(clean, 4),
        "heldOutTokens": ntok,
        "layers": layers,
        "note": "mean next-token cross-entropy in nats/token over non-overlapping 128-token windows of the held-out slice (no BOS), saved F16 weights, unprocessed; zero-ablation replaces the layer's MLP output with 0",
    }


# --------------------------------------------------------------------------- checkpoints
def ckpt_path(name):
    return os.path.join(CKPT_DIR, name)


def save_checkpoint(name, state):
    os.makedirs(CKPT_DIR, exist_ok=True)
    tmp = ckpt_path(name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, ckpt_path(name))


# --------------------------------------------------------------------------- main
def reexec_with_malloc_tuning():
    # The [batch*128, vocab] logits are ~0.5 GB; by default glibc hands such
    # buffers back to the kernel on free and page-faults them in again every
    # step, which made a step ~3x slower. Keep freed memory in the process.
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="4294967296", MALLOC_TRIM_THRESHOLD_="68719476736")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3600, help="training steps (batch x 128 tokens each)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--d-mlp", type=int, default=N_INNER, help="MLP width (n_inner)")
    ap.add_argument("--eval-every", type=int, default=100, help="held-out loss every N steps (and a checkpoint)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--fp32", action="store_true", help="fp32 unembedding products (default: bfloat16 in training)")
    ap.add_argument("--extra-corpus", default=None, help="extra training tokens (tools/build_extra_corpus.mjs writes tools/.extra-corpus/extra.tokens.u16)")
    ap.add_argument("--extra-fraction", type=float, default=0.5, help="share of each batch's windows drawn from --extra-corpus")
    ap.add_argument("--stop-after", type=int, default=None, help="stop after this step (the schedule still spans --steps)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true", help=f"continue from {CKPT_DIR}/last.pt")
    ap.add_argument("--export-only", action="store_true", help="write the best checkpoint to public/builtin without training")
    ap.add_argument("--eval-only", action="store_true", help="re-measure the saved model")
    ap.add_argument("--out", default=OUT_DIR, help="model folder to write")
    ap.add_argument("--init-from", default=None, help="start from the model saved in this folder (a second training stage); not the --out folder")
    ap.add_argument("--checkpoints", default=CKPT_DIR, help="checkpoint folder")
    return ap.parse_args()


def lr_at(args, step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    frac = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))


def make_optimizer(model, args):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
    )


def sample_windows(train_c, extra_c, args, g):
    """args.batch windows of N_CTX + 1 tokens: a share args.extra_fraction of them from the
    extra text (when there is one), the rest from Brown's training slice."""
    n_extra = 0 if extra_c is None else round(args.batch * args.extra_fraction)
    out = []
    for source, n in ((train_c, args.batch - n_extra), (extra_c, n_extra)):
        if n == 0:
            continue
        starts = torch.randint(0, len(source) - N_CTX - 1, (n,), generator=g)
        out.extend(source[s : s + N_CTX + 1] for s in starts)
    return out


def read_stage(folder):
    """A saved model's record: its training.json and the rows of its training_curve.csv."""
    record = json.load(open(os.path.join(folder, "training.json")))
    with open(os.path.join(folder, "training_curve.csv")) as f:
        keys = f.readline().strip().split(",")
        curve = [dict(zip(keys, map(float, line.split(",")))) for line in f if line.strip()]
    for r in curve:
        r["step"], r["tokens"] = int(r["step"]), int(r["tokens"])
    return record, curve


def widened_weights(folder, vocab, seed):
    """The model saved in `folder` as a compact-vocabulary training model, its MLPs widened
    to N_INNER by neurons whose output weights are 0 (the function is unchanged)."""
    sd = load_safetensors(os.path.join(folder, "model.safetensors"))
    wte = sd["transformer.wte.weight"]
    unseen = vocab.to_compact == vocab.n_seen
    shared = wte[unseen]
    if len(shared) and not torch.equal(shared, shared[:1].expand_as(shared)):
        sys.exit(f"{folder}: its embedding rows differ among the ids this corpus never shows; train it with the same corpora")
    sd["transformer.wte.weight"] = torch.cat([wte[vocab.seen], shared[:1]])
    g = torch.Generator().manual_seed(seed)
    for i in range(N_LAYER):
        fc, proj = f"transformer.h.{i}.mlp.c_fc", f"transformer.h.{i}.mlp.c_proj"
        old = sd[fc + ".weight"].shape[1]
        if old > N_INNER:
            sys.exit(f"{folder}: its MLPs have {old} neurons, more than --d-mlp {N_INNER}")
        new = N_INNER - old
        sd[fc + ".weight"] = torch.cat([sd[fc + ".weight"], torch.randn(N_EMBD, new, generator=g) * 0.02], dim=1)
        sd[fc + ".bias"] = torch.cat([sd[fc + ".bias"], torch.zeros(new)])
        sd[proj + ".weight"] = torch.cat([sd[proj + ".weight"], torch.zeros(new, N_EMBD)])
    return sd


def train(args, vocab, train_c, held, extra_c=None, stage1=None):
    """`stage1`: read_stage(args.init_from), whose model this run starts from."""
    model = GPT2LMHeadModel(vocab.n_seen + 1, vocab.unseen_count, args.dropout, not args.fp32)
    model.init_weights(args.seed)
    step0, curve0 = 0, []
    if stage1:
        record, curve0 = stage1
        missing, unexpected = model.load_state_dict(widened_weights(args.init_from, vocab, args.seed), strict=False)
        assert not missing and not unexpected, (missing, unexpected)
        step0 = record["steps"]
        print(f"stage 2 from {args.init_from}: {step0} steps, held-out {record['heldOutLoss']}", flush=True)
    opt = make_optimizer(model, args)
    g = torch.Generator().manual_seed(args.seed)
    step, best, curve, recent, seconds = 0, None, list(curve0), [], 0.0
    if args.resume and os.path.exists(ckpt_path("last.pt")):
        st = torch.load(ckpt_path("last.pt"))
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        g.set_state(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        step, best, curve, recent, seconds = st["step"], st["best"], st["curve"], st["recent"], st["seconds"]
        print(f"resumed at step {step} (best held-out {best['loss'] if best else None})", flush=True)
    t0 = time.time() - seconds
    last_step = min(args.steps, args.stop_after or args.steps)
    while step < last_step:
        for pg in opt.param_groups:
            pg["lr"] = lr_at(args, step)
        windows = sample_windows(train_c, extra_c, args, g)
        x = torch.stack([w[:-1] for w in windows])
        y = torch.stack([w[1:] for w in windows])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        # the compact loss of a target in the shared row misses + log N_unseen
        # (a constant: it does not change the gradient); add it for the log
        n_unseen_targets = (y == vocab.n_seen).sum().item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        recent.append(loss.item() + n_unseen_targets * math.log(vocab.unseen_count) / y.numel())
        step += 1
        if step % args.eval_every == 0 or step == args.steps:
            h, _ = heldout_loss(model, held, vocab)
            tr = sum(recent) / len(recent)
            recent = []
            row = {"step": step0 + step, "tokens": (step0 + step) * args.batch * N_CTX, "lr": lr_at(args, step - 1), "train_loss": tr, "heldout_loss": h, "seconds": time.time() - t0}
            curve.append(row)
            print(f"step {step}/{args.steps} train {tr:.4f} held-out {h:.4f} lr {row['lr']:.2e} {row['seconds']:.0f}s", flush=True)
            if best is None or h < best["loss"]:
                best = {"loss": h, "step": step0 + step}
                save_checkpoint("best.pt", {"model": model.state_dict(), "step": step, "heldout": h})
            save_checkpoint(
                "last.pt",
                {"model": model.state_dict(), "opt": opt.state_dict(), "rng": g.get_state(), "torch_rng": torch.get_rng_state(), "step": step, "best": best, "curve": curve, "recent": recent, "seconds": row["seconds"]},
            )
    return curve, best


def extra_corpus_info(args):
    if not args.extra_corpus:
        return None
    info_path = os.path.join(os.path.dirname(args.extra_corpus), "extra.json")
    info = json.load(open(info_path)) if os.path.exists(info_path) else {}
    return {"fraction": args.extra_fraction, "tokens": info.get("tokens"), "sources": [x["package"] for x in info.get("sources", [])]}


def export(args, meta, vocab, held, curve, best, stage1=None):
    st = torch.load(ckpt_path("best.pt"))
    model = GPT2LMHeadModel(vocab.n_seen + 1, vocab.unseen_count)
    model.load_state_dict(st["model"])
    compact_loss, _ = heldout_loss(model, held, vocab)
    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(
        os.path.join(OUT_DIR, "model.safetensors"),
        vocab.full_state_dict(model),
        {"format": "pt", "source": "tools/train_builtin_model.py", "corpus": meta["source"]},
    )
    with open(os.path.join(OUT_DIR, "config.json"), "w") as f:
        json.dump(config_json(args.dropout), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT_DIR, "training_curve.csv"), "w") as f:
        f.write("step,tokens,lr,train_loss,heldout_loss\n")
        for r in curve:
            f.write(f"{r['step']},{r['tokens']},{r['lr']:.6g},{r['train_loss']:.4f},{r['heldout_loss']:.4f}\n")
    print("saved; measuring the F16 model with the full vocabulary", flush=True)
    quality = model_quality(load_saved_model(), held)
    print(f"held-out loss (saved F16, full vocabulary): {quality['heldOutLoss']:.4f} (compact fp32 {compact_loss:.4f})", flush=True)
    assert abs(quality["heldOutLoss"] - compact_loss) < 1e-2, "the saved model's loss differs from the trained one's"
    last = curve[-1] if curve else {}
    record0 = stage1[0] if stage1 else None
    step0 = record0["steps"] if record0 else 0
    tuned = [
        ("d-mlp", args.d_mlp, 512),
        ("dropout", args.dropout, 0.1),
        ("lr", args.lr, 3e-3),
        ("warmup", args.warmup, 200),
        ("min-lr-frac", args.min_lr_frac, 0.1),
    ]
    info = {
        "steps": last.get("step"),
        "bestStep": best["step"],
        "batch": args.batch,
        "contextLength": N_CTX,
        "tokensSeen": last.get("tokens"),
        "trainTokens": int(meta["train"]["end"] - meta["train"]["start"]),
        # epochs over Brown's training slice (a share 1 - extra_fraction of each batch with --extra-corpus)
        "epochs": round(last.get("tokens", 0) * (1 - (args.extra_fraction if args.extra_corpus else 0)) / (meta["train"]["end"] - meta["train"]["start"]), 3),
        "seenVocabulary": vocab.n_seen,
        "finalTrainLoss": round(last.get("train_loss", float("nan")), 4),
        "heldOutLoss": quality["heldOutLoss"],
        "heldOutLossFp32Compact": round(compact_loss, 4),
        "quality": quality,
        "optimizer": {
            "name": "AdamW",
            "lr": args.lr,
            "warmupSteps": args.warmup,
            "schedule": f"linear warm-up then cosine to {args.min_lr_frac} x lr over {args.steps} steps",
            "betas": [0.9, 0.95],
            "weightDecay": args.weight_decay,
            "gradClip": 1.0,
            "dropout": args.dropout,
        },
        "seconds": round(last.get("seconds", 0.0), 1),
        "threads": args.threads,
        "seed": args.seed,
        "torch": torch.__version__,
        "corpus": meta["source"],
        "command": f"/usr/bin/python3 tools/train_builtin_model.py --steps {args.steps} --seed {args.seed}"
        + (f" --extra-corpus {args.extra_corpus} --extra-fraction {args.extra_fraction}" if args.extra_corpus else "")
        + "".join(f" --{flag} {value}" for flag, value, default in tuned if value != default)
        + (f" --init-from {args.init_from}" if args.init_from else "")
        + (f" --stop-after {last['step'] - step0}" if last.get("step", step0 + args.steps) < step0 + args.steps else ""),
        "extraCorpus": extra_corpus_info(args),
    }
    if record0:
        info["stage1"] = {k: v for k, v in record0.items() if k not in ("quality", "stage1")}
    with open(os.path.join(OUT_DIR, "training.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    size = os.path.getsize(os.path.join(OUT_DIR, "model.safetensors"))
    print(f"wrote {OUT_DIR}: model.safetensors {size} bytes", flush=True)


def main():
    reexec_with_malloc_tuning()
    args = parse_args()
    global OUT_DIR, CKPT_DIR, N_INNER
    OUT_DIR, CKPT_DIR = args.out, args.checkpoints
    if args.init_from and os.path.realpath(args.init_from) == os.path.realpath(args.out):
        sys.exit("--init-from must name another folder than --out: exporting overwrites --out")
    N_INNER = args.d_mlp
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    meta, train_tokens, held = load_corpus()
    print(f"corpus: train {len(train_tokens)} tokens, held out {len(held)} tokens", flush=True)
    if args.eval_only:
        model_quality(load_saved_model(), held)
        return
    extra = load_extra(args.extra_corpus)
    vocab = CompactVocab(train_tokens if extra is None else torch.cat([train_tokens, extra]))
    print(f"vocabulary: {vocab.n_seen} ids occur in training, {vocab.unseen_count} share one row", flush=True)
    stage1 = read_stage(args.init_from) if args.init_from else None
    if args.export_only:
        st = torch.load(ckpt_path("last.pt"))
        curve, best = st["curve"], st["best"]
    else:
        extra_c = None if extra is None else vocab.to_compact[extra]
        curve, best = train(args, vocab, vocab.to_compact[train_tokens], held, extra_c, stage1)
    export(args, meta, vocab, held, curve, best, stage1)


if __name__ == "__main__":
    main()
