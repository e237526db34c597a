#!/usr/bin/env python3
"""The peer of `npm run bench`'s training step in PyTorch, on the same device, at the same shapes.

One step, as SAELens (and /work/shared/reference/training-math.md) define the standard
architecture: x' = x - b_dec (SAE) | x (transcoder); f = ReLU(x' @ W_enc + b_enc);
y^ = f @ W_dec + b_dec; loss = mean_b sum_d (y^ - y)^2 + l1 * mean_b sum_i f[b,i] ||W_dec[i]||;
backward; clip_grad_norm_(params, 1.0); Adam(lr, (0.9, 0.999), 1e-8). All products dense.
Each step includes uploading its batch from the host, as the WebGPU bench's steps do.

Timed as the bench times: warm-up steps first, then each step alone (CUDA events around it and a
synchronize; time.perf_counter on the CPU), median of the timed steps. On CUDA it runs at fp32
with TF32 off, then again with TF32 on. Also times the encoder product x @ W_enc alone.

  python3 bench/device/peer.py --device cuda|cpu --shape sae:4096x768x768x24576 [--shape ...]
      [--warmup 3] [--steps 10] [--encoder-reps 10]
Prints one JSON object on stdout; progress on stderr.
"""

import argparse
import json
import statistics
import sys
import time

import torch

LR = 3e-4
L1_PER_DSAE = 2048  # the bench's l1 coefficient is 2048 / d_sae


def log(msg):
    print(f"peer: {msg}", file=sys.stderr, flush=True)


def parse_shape(text):
    try:
        kind, dims = text.split(":")
        b, d_in, d_out, d_sae = (int(v) for v in dims.split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must look like sae:4096x768x768x24576, got {text}")
    if kind not in ("sae", "transcoder"):
        raise argparse.ArgumentTypeError(f"shape kind must be sae or transcoder, got {kind}")
    if kind == "sae" and d_in != d_out:
        raise argparse.ArgumentTypeError(f"an SAE needs d_in == d_out, got {text}")
    return {"kind": kind, "B": b, "d_in": d_in, "d_out": d_out, "d_sae": d_sae}


def set_tf32(on):
    """TF32 for matmuls (and cuDNN) on or off; PyTorch >= 2.9 has a new API for it."""
    mode = "tf32" if on else "ieee"
    try:  # older versions raise AssertionError, not AttributeError, on unknown attributes
        torch.backends.cuda.matmul.fp32_precision
        new_api = True
    except (AttributeError, AssertionError):
        new_api = False
    if new_api:
        torch.backends.cuda.matmul.fp32_precision = mode
        torch.backends.cudnn.conv.fp32_precision = mode
        return {"matmul.fp32_precision": torch.backends.cuda.matmul.fp32_precision}
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on
    return {"matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32}


class Timer:
    """Milliseconds of one region: CUDA events on a GPU, perf_counter on the CPU."""

    def __init__(self, device):
        self.cuda = device.type == "cuda"

    def __enter__(self):
        if self.cuda:
            self.start = torch.cuda.Event(enable_timing=True)
            self.end = torch.cuda.Event(enable_timing=True)
            self.start.record()
        else:
            self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.cuda:
            self.end.record()
            self.end.synchronize()
            self.ms = self.start.elapsed_time(self.end)
        else:
            self.ms = (time.perf_counter() - self.t0) * 1000


def init_params(shape, device, gen):
    """SAELens init: W_dec rows Kaiming-uniform then norm 0.1, W_enc = W_dec^T, zero biases."""
    d_in, d_out, d_sae = shape["d_in"], shape["d_out"], shape["d_sae"]
    w_dec = torch.empty(d_sae, d_out).uniform_(-1, 1, generator=gen)
    w_dec = 0.1 * w_dec / w_dec.norm(dim=1, keepdim=True)
    if d_in == d_out:
        w_enc = w_dec.t().clone()
    else:
        w_enc = torch.empty(d_sae, d_in).uniform_(-1, 1, generator=gen)
        w_enc = (0.1 * w_enc / w_enc.norm(dim=1, keepdim=True)).t().clone()
    tensors = {
        "W_enc": w_enc,
        "b_enc": torch.zeros(d_sae),
        "W_dec": w_dec,
        "b_dec": torch.zeros(d_out),
    }
    return {k: v.to(device).requires_grad_(True) for k, v in tensors.items()}


def time_shape(shape, device, warmup, steps, encoder_reps):
    gen = torch.Generator().manual_seed(0)
    p = init_params(shape, device, gen)
    B, d_in, d_out, d_sae = shape["B"], shape["d_in"], shape["d_out"], shape["d_sae"]
    sae = shape["kind"] == "sae"
    l1 = L1_PER_DSAE / d_sae
    # Host batches, uploaded inside each timed step as the WebGPU bench uploads its batches.
    batches = []
    for _ in range(4):
        x = torch.randn(B, d_in, generator=gen)
        batches.append((x, x if sae else torch.randn(B, d_out, generator=gen)))
    params = list(p.values())
    opt = torch.optim.Adam(params, lr=LR, betas=(0.9, 0.999), eps=1e-8)

    def step(i):
        xh, yh = batches[i % len(batches)]
        x = xh.to(device, non_blocking=False)
        y = x if sae else yh.to(device, non_blocking=False)
        xp = x - p["b_dec"] if sae else x
        f = torch.relu(xp @ p["W_enc"] + p["b_enc"])
        y_hat = f @ p["W_dec"] + p["b_dec"]
        mse = (y_hat - y).pow(2).sum(dim=1).mean()
        l1_loss = l1 * (f * p["W_dec"].norm(dim=1)).sum(dim=1).mean()
        loss = mse + l1_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return f

    for i in range(warmup):
        step(i)
    if device.type == "cuda":
        torch.cuda.synchronize()
    samples = []
    l0 = float("nan")
    for i in range(steps):
        with Timer(device) as t:
            f = step(warmup + i)
        samples.append(t.ms)
        if i == steps - 1:
            l0 = float((f > 0).sum(dim=1).float().mean())

    x = batches[0][0].to(device)
    w = p["W_enc"].detach()
    for _ in range(2):
        x @ w
    enc = []
    for _ in range(encoder_reps):
        with Timer(device) as t:
            x @ w
        enc.append(t.ms)
    encoder_ms = statistics.median(enc)
    ms = statistics.median(samples)
    return {
        **shape,
        "l1Coefficient": l1,
        "warmupSteps": warmup,
        "timedSteps": steps,
        "msPerStep": ms,
        "samplesMs": samples,
        "tokensPerSecond": B * 1000 / ms,
        "l0": l0,
        "encoderMs": encoder_ms,
        "encoderTflops": 2 * B * d_in * d_sae / (encoder_ms * 1e9),
        "stepOverEncoder": ms / encoder_ms,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--shape", type=parse_shape, action="append", required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--encoder-reps", type=int, default=10)
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("peer: --device cuda, but PyTorch sees no CUDA device")
    device = torch.device(args.device)
    started = time.perf_counter()
    out = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "timing": "cuda events" if device.type == "cuda" else "time.perf_counter",
        "note": "median ms per step after warm-up, each step (batch upload included) timed alone",
        "lr": LR,
    }
    # On the CPU, TF32 changes nothing: the second figure only keeps the output's shape.
    for name, tf32 in [("fp32", False), ("tf32", True)]:
        out[f"{name}Settings"] = set_tf32(tf32)
        results = []
        for shape in args.shape:
            label = f"{name} {shape['kind']} B={shape['B']} d={shape['d_in']}/{shape['d_out']} d_sae={shape['d_sae']}"
            try:
                r = time_shape(shape, device, args.warmup, args.steps, args.encoder_reps)
                r["allowTf32"] = tf32
                log(f"{label}: {r['msPerStep']:.2f} ms/step, encoder {r['encoderTflops']:.1f} TFLOP/s")
            except Exception as e:  # one shape failing (e.g. out of memory) keeps the others
                log(f"{label}: failed: {e}")
                r = {**shape, "error": f"{type(e).__name__}: {e}"}
            results.append(r)
            if device.type == "cuda":
                torch.cuda.empty_cache()
        out[name] = results
    set_tf32(False)
    out["totalSeconds"] = time.perf_counter() - started
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
