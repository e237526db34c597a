#!/usr/bin/python3
"""Train the playground's built-in GPT-2-architecture model on the Brown corpus.

Plain PyTorch (no `transformers`); the module matches Hugging Face's GPT-2
math exactly: pre-LN blocks, causal softmax attention scaled by 1/sqrt(d_head),
gelu_new (tanh approximation), final ln_f, logits = h @ wte^T (tied).

Reads  public/builtin/brown.tokens.u16 + brown.json (from tools/build_corpus.mjs)
Writes public/builtin/gpt2-brown/{config.json, model.safetensors (F16), training.json}

Usage:
  /usr/bin/python3 tools/train_builtin_model.py                # auto step count, <= --minutes
  /usr/bin/python3 tools/train_builtin_model.py --steps 800 --minutes 20
  /usr/bin/python3 tools/train_builtin_model.py --eval-only    # re-evaluate the saved model
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

VOCAB = 50257
N_CTX = 128
N_EMBD = 128
N_LAYER = 2
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
    def __init__(self):
        super().__init__()
        self.c_attn = Conv1D(N_EMBD, 3 * N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)
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
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(N_EMBD, N_INNER)
        self.c_proj = Conv1D(N_INNER, N_EMBD)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD, eps=LN_EPS)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(N_EMBD, eps=LN_EPS)
        self.mlp = MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, N_EMBD)
        self.wpe = nn.Embedding(N_CTX, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD, eps=LN_EPS)


class GPT2LMHeadModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = Transformer()

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

    def forward(self, idx):
        tr = self.transformer
        t = idx.shape[1]
        x = tr.wte(idx) + tr.wpe(torch.arange(t, device=idx.device))
        for blk in tr.h:
            x = blk(x)
        x = tr.ln_f(x)
        return x @ tr.wte.weight.t()


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
def load_corpus():
    meta = json.load(open(os.path.join(BUILTIN, "brown.json")))
    toks = np.fromfile(os.path.join(BUILTIN, "brown.tokens.u16"), dtype="<u2").astype(np.int64)
    assert len(toks) == meta["tokens"], (len(toks), meta["tokens"])
    train = torch.from_numpy(toks[meta["train"]["start"] : meta["train"]["end"]])
    held = torch.from_numpy(toks[meta["heldOut"]["start"] : meta["heldOut"]["end"]])
    return meta, train, held


@torch.no_grad()
def heldout_loss(model, held, batch=32):
    """Mean next-token cross-entropy (nats/token) over non-overlapping 128-token windows."""
    model.eval()
    nwin = (len(held) - 1) // N_CTX
    total, count = 0.0, 0
    for i in range(0, nwin, batch):
        starts = range(i * N_CTX, min(nwin, i + batch) * N_CTX, N_CTX)
        x = torch.stack([held[s : s + N_CTX] for s in starts])
        y = torch.stack([held[s + 1 : s + 1 + N_CTX] for s in starts])
        logits = model(x)
        total += F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    model.train()
    return total / count, count


def config_json():
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
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "bos_token_id": 50256,
        "eos_token_id": 50256,
        "torch_dtype": "float16",
    }


def reload_and_eval(held):
    m = GPT2LMHeadModel()
    sd = load_safetensors(os.path.join(OUT_DIR, "model.safetensors"))
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    return heldout_loss(m, held)[0]


# --------------------------------------------------------------------------- main
def reexec_with_malloc_tuning():
    # The [batch*128, 50257] logits are ~0.8 GB; by default glibc hands such
    # buffers back to the kernel on free and page-faults them in again every
    # step, which made a step ~3x slower. Keep freed memory in the process.
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="4294967296", MALLOC_TRIM_THRESHOLD_="68719476736")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def main():
    reexec_with_malloc_tuning()
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=0, help="training steps (0: as many as fit in --minutes)")
    ap.add_argument("--minutes", type=float, default=18.0, help="wall-clock cap on training")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-only", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    meta, train, held = load_corpus()
    print(f"corpus: train {len(train)} tokens, held out {len(held)} tokens", flush=True)

    if args.eval_only:
        print(f"held-out loss (saved F16 model): {reload_and_eval(held):.4f} nats/token")
        return

    model = GPT2LMHeadModel()
    model.init_weights(args.seed)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    g = torch.Generator().manual_seed(args.seed)
    budget_s = args.minutes * 60.0
    total = args.steps if args.steps > 0 else 10**9  # fixed after timing the first steps
    auto = args.steps <= 0
    probe_from, probe = 5, 20
    t_probe = 0.0

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        frac = min(1.0, (step - args.warmup) / max(1, total - args.warmup))
        return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))

    losses = []
    t0 = time.time()
    step = 0
    stopped_by_time = False
    while step < total:
        if time.time() - t0 > budget_s:
            stopped_by_time = True
            break
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step)
        starts = torch.randint(0, len(train) - N_CTX - 1, (args.batch,), generator=g)
        x = torch.stack([train[s : s + N_CTX] for s in starts])
        y = torch.stack([train[s + 1 : s + 1 + N_CTX] for s in starts])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        if step == probe_from:
            t_probe = time.time()
        if step == probe:
            # time steps [probe_from, probe): the first steps are slower (allocation)
            per = (time.time() - t_probe) / (probe - probe_from)
            fit = probe_from + int((budget_s * 0.97 - (t_probe - t0)) / (per * 1.03))
            if auto:
                total = fit
            elif total > fit:
                print(f"note: {total} steps will not fit in {args.minutes} min at {per:.2f} s/step", flush=True)
            print(f"{per:.2f} s/step -> {total} steps", flush=True)
        if step % 25 == 0 or step == total:
            recent = sum(losses[-25:]) / len(losses[-25:])
            print(f"step {step}/{total} loss {recent:.4f} lr {lr_at(step - 1):.2e} {time.time() - t0:.0f}s", flush=True)
    train_s = time.time() - t0
    final_train = sum(losses[-50:]) / len(losses[-50:])

    h32, ntok = heldout_loss(model, held)
    print(f"held-out loss (fp32): {h32:.4f} nats/token over {ntok} tokens", flush=True)

    os.makedirs(OUT_DIR, exist_ok=True)
    tensors = {k: v for k, v in model.state_dict().items()}
    save_safetensors(
        os.path.join(OUT_DIR, "model.safetensors"),
        tensors,
        {"format": "pt", "source": "tools/train_builtin_model.py", "corpus": meta["source"]},
    )
    with open(os.path.join(OUT_DIR, "config.json"), "w") as f:
        json.dump(config_json(), f, indent=2)
        f.write("\n")
    h16 = reload_and_eval(held)
    print(f"held-out loss (saved F16, reloaded): {h16:.4f} nats/token (diff {h16 - h32:+.5f})", flush=True)
    assert abs(h16 - h32) < 1e-2, "F16 round trip changed the held-out loss"

    info = {
        "steps": step,
        "plannedSteps": total,
        "stoppedByTimeCap": stopped_by_time,
        "batch": args.batch,
        "contextLength": N_CTX,
        "tokensSeen": step * args.batch * N_CTX,
        "trainTokens": len(train),
        "epochs": round(step * args.batch * N_CTX / len(train), 3),
        "finalTrainLoss": round(final_train, 4),
        "finalTrainLossNote": "mean of the last 50 training batches, nats/token",
        "heldOutLoss": round(h16, 4),
        "heldOutLossFp32": round(h32, 4),
        "heldOutTokens": ntok,
        "heldOutLossNote": "mean next-token cross-entropy in nats/token over non-overlapping 128-token windows of the held-out slice, saved F16 weights",
        "optimizer": {
            "name": "AdamW",
            "lr": args.lr,
            "warmupSteps": args.warmup,
            "schedule": f"linear warm-up then cosine to {args.min_lr_frac} x lr",
            "betas": [0.9, 0.95],
            "weightDecay": args.weight_decay,
            "gradClip": 1.0,
        },
        "seconds": round(train_s, 1),
        "threads": args.threads,
        "seed": args.seed,
        "torch": torch.__version__,
        "corpus": meta["source"],
        "command": "/usr/bin/python3 tools/train_builtin_model.py " + " ".join(sys.argv[1:]),
    }
    with open(os.path.join(OUT_DIR, "training.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    size = os.path.getsize(os.path.join(OUT_DIR, "model.safetensors"))
    print(f"wrote {OUT_DIR}: model.safetensors {size} bytes", flush=True)


if __name__ == "__main__":
    main()
