#!/usr/bin/python3
"""An independent PyTorch autograd check of `npm run attribute`'s adjacency (issue 22).

Rebuilds circuit-tracer's replacement model in float64 PyTorch from the model folder and the
transcoder set, recomputes every edge with torch.autograd, and compares, edge by edge, with the
adjacency file that `npm run attribute -- ... --adjacency FILE.safetensors` wrote. It shares no
code with the TypeScript/WGSL engine: only the GPT-2 forward and TransformerLens weight
processing of tools/gpt2_reference.py (itself checked against Hugging Face's math).

The method (../shared/reference/circuits.md §1-§3; circuit-tracer
replacement_model_transformerlens.py `_configure_gradient_flow`, attribution/context_transformerlens.py):
  * the real forward on TransformerLens-processed weights, with a stop-gradient (.detach()) on
    every attention pattern and on the LayerNorm scales of ln1, ln2 and ln_final; each MLP output
    is skip + (true_out - skip).detach(), skip = W_skip n2 for a skip transcoder, else 0;
  * sources are added at their sites as zero tensors that require grad, so d(target)/d(site) is
    the gradient there: a feature (ℓ,p,f) and an error (ℓ,p) at blocks.ℓ.hook_mlp_out, with
    vectors a·W_dec[f] and e = y − ŷ; an embedding p at blocks.0.hook_resid_pre, with vector
    W_E[t_p] + W_pos[p] (this project's choice for GPT-2's position embeddings);
  * a feature target is its pre-activation W_enc[:, f]·n2[p] + b_enc[f] at
    blocks.ℓ.ln2.hook_normalized; a logit target is its centred logit at the last position,
    ((x − x̄)/s_f)·(W_U[:, k] − mean_vocab W_U) + b_U[k] − mean(b_U);
  * targets are batched as circuit-tracer does: the prompt copied B times, copy i carries row i,
    one backward pass of Σ_i target_i per batch;
  * BOS (<|endoftext|>, prepended by the CLI) as circuit-tracer's zero_positions: features and
    errors at position 0 are not nodes (their error nodes exist and hold 0);
  * node order [features by (layer, pos, feature)][errors ℓ·P + p][embeddings p][logits, most
    probable first], ids {ℓ}_{f}_{p}, {ℓ}_-1_{p}, E_{t}_{p}, {L+1}_{t}_{P-1}; logits: the top
    --max-logits by probability, cut at searchsorted(cumsum, --logit-prob) + 1.
Self-checks of this file's own replacement model: its forward equals gpt2_reference.forward
(so the frozen values are the real ones), and adding a source's vector at its site moves every
target by that source's column (circuit-tracer's perturbation test), both in float64.

Transcoders: SAELens folders (cfg.json + sae_weights.safetensors: transcoder, skip_transcoder,
jumprelu_transcoder, jumprelu_skip_transcoder, topk_transcoder, topk_skip_transcoder; normalize
"none"), a set folder written by `npm run train --layers` (its transcoder.L<L>/ folders), or a
circuit-tracer config.yaml with its layer files (relu, topk without a ReLU, JumpReLU without a
ReLU when a file holds activation_function.threshold, optional W_skip). A layer without a
transcoder keeps its MLP: its whole output is the error node.

Usage:
  npx tsx src/cli/attribute.ts --model builtin --transcoders SET --prompt "..." \
      --out /tmp/g/graph.json --adjacency /tmp/g/adj.safetensors
  /usr/bin/python3 tools/attribution_check.py --model builtin --transcoders SET \
      --adjacency /tmp/g/adj.safetensors [--graph /tmp/g/graph.json] [--json]
Exit status 0 when the node ids, their order and every edge agree (max |ΔA| / max |A| below
--tolerance), 1 when they do not, 2 on bad input.
"""
import argparse
import glob
import json
import math
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_reference as ref  # noqa: E402

BOS = 50256
BUILTIN_MODEL = os.path.join(ref.ROOT, "public", "builtin", "gpt2-brown")


class InputError(Exception):
    """Bad input: the message names the file and what was expected."""


# --------------------------------------------------------------------------- transcoders
class Transcoder:
    """One layer's transcoder in float64: W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_out], b_dec,
    optional W_skip [d_out, d_in] and threshold; activation relu | topk | jumprelu."""

    def __init__(self, source, layer, w_enc, b_enc, w_dec, b_dec, activation, k=None, relu=True, threshold=None, w_skip=None):
        self.source, self.layer = source, layer
        self.w_enc, self.b_enc, self.w_dec, self.b_dec = w_enc, b_enc, w_dec, b_dec
        self.activation, self.k, self.relu = activation, k, relu
        self.threshold, self.w_skip = threshold, w_skip

    def pre(self, n2):
        return n2 @ self.w_enc + self.b_enc

    def act(self, pre):
        if self.activation == "relu":
            return torch.relu(pre)
        if self.activation == "jumprelu":
            kept = pre * (pre > self.threshold)
            return torch.relu(kept) if self.relu else kept
        # TopK, ties to the lower index (a stable sort of the negated values).
        order = torch.sort(-pre, dim=-1, stable=True).indices[..., : self.k]
        gate = torch.zeros_like(pre).scatter_(-1, order, 1.0)
        kept = pre * gate
        return torch.relu(kept) if self.relu else kept

    def skip(self, n2):
        return n2 @ self.w_skip.t() if self.w_skip is not None else torch.zeros_like(n2)

    def reconstruct(self, n2, acts):
        return acts @ self.w_dec + self.b_dec + self.skip(n2)


def _tensors(path):
    raw, _ = ref.read_safetensors(path)
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64)) for k, v in raw.items()}


def _need(tensors, name, shape, path):
    if name not in tensors:
        raise InputError(f"{path}: tensor {name} missing; expected shape {list(shape)}")
    if tuple(tensors[name].shape) != tuple(shape):
        raise InputError(f"{path}: tensor {name} has shape {list(tensors[name].shape)}; expected {list(shape)}")
    return tensors[name]


SAELENS_ARCHITECTURES = {
    "transcoder": "relu",
    "skip_transcoder": "relu",
    "jumprelu_transcoder": "jumprelu",
    "jumprelu_skip_transcoder": "jumprelu",
    "topk_transcoder": "topk",
    "topk_skip_transcoder": "topk",
}


def read_saelens_folder(folder):
    cfg_path = os.path.join(folder, "cfg.json")
    weights_path = os.path.join(folder, "sae_weights.safetensors")
    cfg = json.load(open(cfg_path))
    meta = cfg.get("metadata", cfg)
    arch = cfg.get("architecture", "standard")
    if arch not in SAELENS_ARCHITECTURES:
        raise InputError(f"{cfg_path}: architecture {arch!r}; expected one of {sorted(SAELENS_ARCHITECTURES)}")
    if cfg.get("normalize_activations", "none") not in ("none", None, False):
        raise InputError(f"{cfg_path}: normalize_activations {cfg['normalize_activations']!r}; expected \"none\" (the scale folded in)")
    if cfg.get("apply_b_dec_to_input"):
        raise InputError(f"{cfg_path}: apply_b_dec_to_input is true; a transcoder reads its input as it is")
    hook_in, hook_out = meta.get("hook_name", ""), meta.get("hook_name_out", "")
    m = re.fullmatch(r"blocks\.(\d+)\.ln2\.hook_normalized", hook_in)
    if not m or hook_out != f"blocks.{m.group(1)}.hook_mlp_out":
        raise InputError(f"{cfg_path}: reads {hook_in!r} -> {hook_out!r}; expected blocks.L.ln2.hook_normalized -> blocks.L.hook_mlp_out")
    d_in, d_sae, d_out = int(cfg["d_in"]), int(cfg["d_sae"]), int(cfg["d_out"])
    t = _tensors(weights_path)
    w_enc = _need(t, "W_enc", (d_in, d_sae), weights_path)
    b_enc = _need(t, "b_enc", (d_sae,), weights_path)
    w_dec = _need(t, "W_dec", (d_sae, d_out), weights_path)
    b_dec = _need(t, "b_dec", (d_out,), weights_path)
    kind = SAELENS_ARCHITECTURES[arch]
    if cfg.get("rescale_acts_by_decoder_norm"):
        # SAELens scales pre by ‖W_dec[f]‖ and divides the latents by it before decoding.
        norms = w_dec.norm(dim=-1)
        w_enc, b_enc, w_dec = w_enc * norms, b_enc * norms, w_dec / norms[:, None]
    k = None
    if kind == "topk":
        k = cfg.get("k", (cfg.get("activation_fn_kwargs") or {}).get("k"))
        if not isinstance(k, int) or k < 1:
            raise InputError(f"{cfg_path}: k is {k!r}; expected a positive integer for {arch}")
    threshold = _need(t, "threshold", (d_sae,), weights_path) if kind == "jumprelu" else None
    w_skip = _need(t, "W_skip", (d_out, d_in), weights_path) if "skip" in arch else None
    return Transcoder(folder, int(m.group(1)), w_enc, b_enc, w_dec, b_dec, kind, k=k, relu=True, threshold=threshold, w_skip=w_skip)


def _parse_yaml(text, path):
    try:
        import yaml  # noqa: PLC0415

        return yaml.safe_load(text)
    except ImportError:
        return _parse_simple_yaml(text, path)


def _scalar(v):
    v = v.strip()
    if v[:1] in "\"'":
        return json.loads(v) if v[0] == '"' else v[1:-1]
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    return None if v in ("null", "~", "") else v


def _parse_simple_yaml(text, path):
    """The subset config.yaml files use: top-level `key: scalar`, and lists of scalars or of
    one-level mappings under a key (without PyYAML, which CI does not install)."""
    out, key, item = {}, None, None
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        if not line.startswith(" ") and not line.startswith("-"):
            key, _, value = line.partition(":")
            out[key] = _scalar(value) if value.strip() else []
            item = None
        elif line.lstrip().startswith("- "):
            body = line.lstrip()[2:]
            if re.match(r"^[A-Za-z_]+:", body):
                k, _, v = body.partition(":")
                item = {k: _scalar(v)}
                out[key].append(item)
            else:
                out[key].append(_scalar(body))
                item = None
        elif item is not None and ":" in line:
            k, _, v = line.strip().partition(":")
            item[k] = _scalar(v)
        else:
            raise InputError(f"{path}: cannot read line {raw!r} (no PyYAML here; install python3-yaml)")
    return out


def read_circuit_tracer_config(path):
    """circuit-tracer's transcoder_set config: `transcoders` (index = layer), or the old layout's
    {id, layer, filepath} entries (W_dec stored [d_out, d_sae])."""
    config = _parse_yaml(open(path).read(), path)
    if not isinstance(config, dict) or "transcoders" not in config:
        raise InputError(f"{path}: expected circuit-tracer's transcoder_set config (feature_input_hook, feature_output_hook, transcoders)")
    base = os.path.dirname(path)
    if config.get("feature_input_hook") != "ln2.hook_normalized" or config.get("feature_output_hook") != "hook_mlp_out":
        raise InputError(f"{path}: feature_input_hook/feature_output_hook must be ln2.hook_normalized/hook_mlp_out")
    activation = config.get("activation")
    if activation not in (None, "relu", "topk"):
        raise InputError(f"{path}: activation {activation!r}; expected relu, topk or none (JumpReLU)")
    entries = config.get("transcoders")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: transcoders: expected a list of the per-layer files")
    out = []
    for i, entry in enumerate(entries):
        old = isinstance(entry, dict)
        file = entry["filepath"] if old else entry
        layer = int(entry["layer"]) if old else i
        file = file if os.path.isabs(file) else os.path.join(base, file)
        if not os.path.exists(file) and os.path.exists(os.path.join(base, os.path.basename(file))):
            file = os.path.join(base, os.path.basename(file))
        out.append(read_circuit_tracer_file(file, layer, activation, config.get("k"), old))
    return out


def read_circuit_tracer_file(path, layer, activation, k, old_layout):
    t = _tensors(path)
    enc, b_enc, b_dec = t.get("W_enc"), t.get("b_enc"), t.get("b_dec")
    if enc is None or enc.dim() != 2 or b_enc is None or b_enc.dim() != 1 or b_dec is None or b_dec.dim() != 1:
        raise InputError(f"{path}: expected a circuit-tracer transcoder: b_enc [d_sae], b_dec [d_out] and a 2-d W_enc")
    d_sae, d_out = b_enc.shape[0], b_dec.shape[0]
    d_in = enc.shape[1] if enc.shape[0] == d_sae else enc.shape[0]
    w_enc = _need(t, "W_enc", (d_sae, d_in), path).t()  # F.linear layout
    w_dec = (_need(t, "W_dec", (d_out, d_sae), path).t() if old_layout else _need(t, "W_dec", (d_sae, d_out), path))
    threshold = t.get("activation_function.threshold")
    kind = activation or ("jumprelu" if threshold is not None else None)
    if kind is None:
        raise InputError(f"{path}: no activation in the config and no activation_function.threshold in the file")
    if kind == "topk" and (not isinstance(k, int) or k < 1):
        raise InputError(f"{path}: activation topk needs a whole k >= 1 in the config, found {k!r}")
    w_skip = _need(t, "W_skip", (d_out, d_in), path) if "W_skip" in t else None
    # circuit-tracer's TopK and JumpReLU keep the kept pre-activations as they are (no ReLU).
    return Transcoder(path, layer, w_enc, t["b_enc"], w_dec, t["b_dec"], kind, k=k, relu=False, threshold=threshold, w_skip=w_skip)


def read_set(paths, prefer):
    found = []
    for path in paths:
        if os.path.isfile(path) and path.endswith((".yaml", ".yml")):
            found += read_circuit_tracer_config(path)
        elif os.path.isfile(os.path.join(path, "cfg.json")):
            found.append(read_saelens_folder(path))
        elif os.path.isdir(path):
            folders = sorted(glob.glob(os.path.join(path, "transcoder.L*")), key=lambda f: int(re.sub(r"\D", "", os.path.basename(f)) or 0))
            configs = [c for c in (os.path.join(path, "config.yaml"), os.path.join(path, "circuit-tracer", "config.yaml")) if os.path.isfile(c)]
            if folders and (prefer == "saelens" or not configs):
                found += [read_saelens_folder(f) for f in folders]
            elif configs:
                found += read_circuit_tracer_config(configs[0])
            else:
                raise InputError(f"{path}: holds no cfg.json, transcoder.L*/ folders or config.yaml")
        else:
            raise InputError(f"{path}: not found")
    layers = {}
    for t in found:
        if t.layer in layers:
            raise InputError(f"{t.source}: a second transcoder for layer {t.layer} (the first is {layers[t.layer].source})")
        layers[t.layer] = t
    return layers


# --------------------------------------------------------------------------- the frozen model
class ReplacementModel:
    def __init__(self, model, transcoders, tokens):
        self.cfg, self.sd = model.cfg, model.processed
        self.transcoders = transcoders
        self.tokens = torch.as_tensor(tokens, dtype=torch.long)
        self.P = len(tokens)

    def forward(self, d_embed, d_mlp, frozen=True, clamp=None, record=None, last_layer=None):
        """d_embed [B, P, d] is added at blocks.0.hook_resid_pre, d_mlp[ℓ] [B, P, d] at
        blocks.ℓ.hook_mlp_out. Returns ({ℓ: n2 [B, P, d]}, {ℓ: true MLP out}, final normalised [B, P, d]).
        frozen: stop-gradients as circuit-tracer. clamp: the LayerNorm scales, patterns and MLP
        outputs of a clean run (`record` fills them in) replace this run's, so that the model is
        affine in d_embed and d_mlp (circuit-tracer's setup_intervention_with_freeze).
        last_layer: stop once that layer's n2 is known (feature targets up to it only)."""
        cfg, sd, P = self.cfg, self.sd, self.P
        dh, eps = cfg["d_head"], cfg["eps"]
        causal = torch.tril(torch.ones(P, P, dtype=torch.bool))

        def frozen_value(name, value):
            if record is not None:
                record[name] = value.detach()
            if clamp is not None:
                return clamp[name]
            return value.detach() if frozen else value

        def layer_norm(name, x):
            x = x - x.mean(-1, keepdim=True)
            return x / frozen_value(name, (x.pow(2).mean(-1, keepdim=True) + eps).sqrt())

        x = sd["embed.W_E"][self.tokens] + sd["pos_embed.W_pos"][:P] + d_embed
        n2s, mlp_outs = {}, {}
        for l in range(cfg["n_layers"]):
            b = f"blocks.{l}."
            n1 = layer_norm(b + "ln1.hook_scale", x)
            q = torch.einsum("bpd,hde->bphe", n1, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
            k = torch.einsum("bpd,hde->bphe", n1, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
            v = torch.einsum("bpd,hde->bphe", n1, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
            scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(dh)
            pattern = frozen_value(b + "attn.hook_pattern", torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1))
            z = torch.einsum("bhqk,bkhe->bqhe", pattern, v)
            m = x + torch.einsum("bqhe,hed->bqd", z, sd[b + "attn.W_O"]) + sd[b + "attn.b_O"]
            n2 = layer_norm(b + "ln2.hook_scale", m)
            n2s[l] = n2
            if l == last_layer:
                return n2s, mlp_outs, None
            # Only copy 0's true MLP output is computed: it enters as a constant (detached), and
            # the copies of an attribution pass are the same prompt with zero perturbations.
            mlp_in = n2[:1] if frozen and clamp is None and record is None else n2
            y = ref.gelu_new(mlp_in @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]) @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
            t = self.transcoders.get(l)
            skip = t.skip(n2) if t is not None else torch.zeros_like(y)
            # The forward value is the true MLP output; the gradient takes the skip path only.
            out = skip + frozen_value(b + "mlp_minus_skip", y - skip) if (frozen or clamp is not None) else y
            mlp_outs[l] = y
            x = m + out + d_mlp[l]
        return n2s, mlp_outs, layer_norm("ln_final.hook_scale", x)


# --------------------------------------------------------------------------- nodes and targets
class Graph:
    """The nodes of circuit-tracer's graph at the prompt, with each source's site and vector and
    each target's row vector."""

    def __init__(self, model, rm, max_logits, logit_prob):
        sd, L, P = rm.sd, rm.cfg["n_layers"], rm.P
        d = rm.cfg["d_model"]
        zeros = torch.zeros(1, P, d, dtype=torch.float64)
        with torch.no_grad():
            n2s, ys, xf = rm.forward(zeros, {l: zeros for l in range(L)}, frozen=False)
        self.n2 = {l: n2s[l][0] for l in range(L)}
        logits = xf[0, -1] @ sd["unembed.W_U"] + sd["unembed.b_U"]
        self.real = {"n2": self.n2, "mlp_out": {l: ys[l][0] for l in range(L)}, "logits": logits}
        self.features, self.acts, self.errors = [], {}, {}
        for l in range(L):
            t = rm.transcoders.get(l)
            if t is None:
                self.errors[l] = ys[l][0].clone()
                continue
            a = t.act(t.pre(self.n2[l]))
            self.acts[l] = a
            self.errors[l] = ys[l][0] - t.reconstruct(self.n2[l], a)
            for p in range(1, P):
                for f in torch.nonzero(a[p]).flatten().tolist():
                    self.features.append((l, p, f))
        for l in range(L):
            self.errors[l][0] = 0.0  # zero_positions: the BOS MLP output is a constant
        probs = torch.softmax(logits, -1)
        top_p, top_idx = torch.sort(probs, descending=True, stable=True)
        top_p, top_idx = top_p[:max_logits], top_idx[:max_logits]
        cutoff = int(torch.searchsorted(torch.cumsum(top_p, 0), torch.tensor(logit_prob, dtype=torch.float64))) + 1
        self.logit_tokens = top_idx[:cutoff].tolist()
        self.logit_probs = top_p[:cutoff]
        W_U, b_U = sd["unembed.W_U"], sd["unembed.b_U"]
        self.u_bar = (W_U - W_U.mean(-1, keepdim=True))[:, self.logit_tokens].t()  # [K, d]
        self.b_bar = (b_U - b_U.mean())[self.logit_tokens]
        self.n_layers, self.P = L, P
        tokens = rm.tokens.tolist()
        self.node_ids = (
            [f"{l}_{f}_{p}" for l, p, f in self.features]
            + [f"{l}_-1_{p}" for l in range(L) for p in range(P)]
            + [f"E_{t}_{p}" for p, t in enumerate(tokens)]
            + [f"{L + 1}_{t}_{P - 1}" for t in self.logit_tokens]
        )
        self.n_features, self.n_sources = len(self.features), len(self.features) + L * P + P
        self.embed = sd["embed.W_E"][rm.tokens] + sd["pos_embed.W_pos"][:P]

    def source_vectors(self, rm):
        """{ℓ: [n_ℓ, d] vectors, [n_ℓ] positions, [n_ℓ] columns} per site; the site `L` is the embedding."""
        L, P = self.n_layers, self.P
        sites = {l: ([], [], []) for l in range(L + 1)}
        for i, (l, p, f) in enumerate(self.features):
            sites[l][0].append(self.acts[l][p, f] * rm.transcoders[l].w_dec[f])
            sites[l][1].append(p)
            sites[l][2].append(i)
        for l in range(L):
            for p in range(P):
                sites[l][0].append(self.errors[l][p])
                sites[l][1].append(p)
                sites[l][2].append(self.n_features + l * P + p)
        for p in range(P):
            sites[L][0].append(self.embed[p])
            sites[L][1].append(p)
            sites[L][2].append(self.n_features + L * P + p)
        return {l: (torch.stack(v), torch.tensor(pos), torch.tensor(col)) for l, (v, pos, col) in sites.items()}

    def targets(self, rm):
        """Rows: (site ℓ or L for a logit, position, vector r, constant b): target = r·site[p] + b."""
        rows = []
        for l, p, f in self.features:
            t = rm.transcoders[l]
            rows.append((l, p, t.w_enc[:, f], t.b_enc[f]))
        for i in range(len(self.logit_tokens)):
            rows.append((self.n_layers, self.P - 1, self.u_bar[i], self.b_bar[i]))
        return rows


def target_values(rows, n2s, xf, L, copies):
    """Each row's value read off its copy (`copies[i]`) of the batched forward: [len(rows)]."""
    out = []
    for i, (site, p, r, b) in enumerate(rows):
        x = xf if site == L else n2s[site]
        out.append(x[copies[i], p] @ r + b)
    return torch.stack(out)


def autograd_adjacency(rm, graph, batch_rows):
    """Rows = targets (features, then logits), columns = sources: the adjacency's non-zero rows,
    each by a backward pass of Σ_i target_i(copy i) through the frozen model."""
    L, P, d = graph.n_layers, graph.P, rm.cfg["d_model"]
    rows = graph.targets(rm)
    sources = graph.source_vectors(rm)
    n = len(graph.node_ids)
    A = torch.zeros(n, n, dtype=torch.float64)
    row_index = list(range(graph.n_features)) + list(range(n - len(graph.logit_tokens), n))
    for start in range(0, len(rows), batch_rows):
        batch = rows[start : start + batch_rows]
        B = len(batch)
        d_embed = torch.zeros(B, P, d, dtype=torch.float64, requires_grad=True)
        d_mlp = {l: torch.zeros(B, P, d, dtype=torch.float64, requires_grad=True) for l in range(L)}
        last = batch[-1][0]  # rows are in node order: by layer, logits last
        n2s, _, xf = rm.forward(d_embed, d_mlp, last_layer=None if last == L else last)
        total = target_values(batch, n2s, xf, L, list(range(B))).sum()
        leaves = [d_mlp[l] for l in range(L)] + [d_embed]
        grads = torch.autograd.grad(total, leaves, allow_unused=True)
        for site, g in enumerate(grads):
            if g is None:
                continue
            vecs, pos, cols = sources[site]
            # A[row i, source s] = v_s · G_site[i, p_s]
            A[torch.tensor(row_index[start : start + B])[:, None], cols[None, :]] = torch.einsum("bsd,sd->bs", g[:, pos, :], vecs)
    return A, rows, sources


def perturbation_check(rm, graph, A, rows, sources, count, seed):
    """circuit-tracer's test: add a source's vector at its site (one copy per source) in the frozen
    model and every target moves by that source's column. Returns the worst relative error."""
    L, P, d = graph.n_layers, graph.P, rm.cfg["d_model"]
    all_sources = [(site, j) for site in sources for j in range(len(sources[site][2]))]
    rng = np.random.default_rng(seed)
    picked = [all_sources[i] for i in rng.choice(len(all_sources), size=min(count, len(all_sources)), replace=False)]
    B = len(picked) + 1
    clean = {}
    zeros = torch.zeros(1, P, d, dtype=torch.float64)
    rm.forward(zeros, {l: zeros for l in range(L)}, record=clean)
    d_embed = torch.zeros(B, P, d, dtype=torch.float64)
    d_mlp = {l: torch.zeros(B, P, d, dtype=torch.float64) for l in range(L)}
    for c, (site, j) in enumerate(picked, start=1):
        vecs, pos, _ = sources[site]
        (d_embed if site == L else d_mlp[site])[c, int(pos[j])] += vecs[j]
    with torch.no_grad():
        n2s, _, xf = rm.forward(d_embed, d_mlp, clamp=clean)
        base = target_values(rows, n2s, xf, L, [0] * len(rows))
        n = len(graph.node_ids)
        row_index = list(range(graph.n_features)) + list(range(n - len(graph.logit_tokens), n))
        worst = 0.0
        scale = float(A.abs().max())
        for c, (site, j) in enumerate(picked, start=1):
            moved = target_values(rows, n2s, xf, L, [c] * len(rows)) - base
            col = int(sources[site][2][j])
            worst = max(worst, float((moved - A[row_index, col]).abs().max()) / scale)
    return worst, base


# --------------------------------------------------------------------------- comparison
def read_adjacency(path):
    tensors, meta = ref.read_safetensors(path)
    if "adjacency" not in tensors or "node_ids" not in meta:
        raise InputError(f"{path}: expected tensor adjacency [n, n] and node_ids in __metadata__ (npm run attribute --adjacency)")
    ids = json.loads(meta["node_ids"])
    A = torch.from_numpy(tensors["adjacency"])
    if tuple(A.shape) != (len(ids), len(ids)):
        raise InputError(f"{path}: adjacency is {list(A.shape)}; node_ids has {len(ids)} ids")
    return A, ids, tensors, meta


def compare(A_file, A_torch, graph, file_tensors, tolerance):
    n = A_torch.shape[0]
    scale = float(A_torch.abs().max())
    diff = (A_file - A_torch).abs()
    overall = float(diff.max()) / scale
    row_scale = A_torch.abs().max(1).values
    target_rows = list(range(graph.n_features)) + list(range(n - len(graph.logit_tokens), n))
    per_row = [(float(diff[r].max()) / float(row_scale[r]) if row_scale[r] > 0 else float(diff[r].max()), r) for r in target_rows]
    other = sorted(set(range(n)) - set(target_rows))
    nonzero_other = float(A_file[other].abs().max()) if other else 0.0
    acts_torch = torch.stack([graph.acts[l][p, f] for l, p, f in graph.features]) if graph.features else torch.zeros(0)
    acts_file = torch.from_numpy(file_tensors.get("activations", np.zeros(0)))
    act_err = float(((acts_file - acts_torch).abs() / acts_torch.abs().max()).max()) if len(acts_torch) and acts_file.shape == acts_torch.shape else None
    prob_file = torch.from_numpy(file_tensors.get("logit_probabilities", np.zeros(0)))
    prob_err = float((prob_file - graph.logit_probs).abs().max()) if prob_file.shape == graph.logit_probs.shape else None
    return {
        "max_abs_adjacency": scale,
        "max_abs_error": float(diff.max()),
        "max_relative_error": overall,
        "worst_rows": [
            {"node": graph.node_ids[r], "source": graph.node_ids[int(diff[r].argmax())], "relative_error": e}
            for e, r in sorted(per_row, reverse=True)[:5]
        ],
        "rows_over_tolerance": sum(1 for e, _ in per_row if e >= tolerance),
        "max_abs_in_error_and_embedding_rows": nonzero_other,
        "activation_relative_error": act_err,
        "logit_probability_error": prob_err,
    }


def check_graph_json(path, graph, A_torch, node_index):
    """graph.json: each node's circuit-tracer fields, and each link's weight = A[target, source]."""
    g = json.load(open(path))
    problems = []
    for key in ("metadata", "qParams", "nodes", "links"):
        if key not in g:
            problems.append(f"top-level key {key} missing")
    L, P = graph.n_layers, graph.P
    for node in g.get("nodes", []):
        nid = node.get("node_id")
        if nid not in node_index:
            problems.append(f"node {nid} is not in the adjacency's node list")
            continue
        i = node_index[nid]
        if i < graph.n_features:
            l, p, f = graph.features[i]
            want = {"feature": (l + f) * (l + f + 1) // 2 + f, "layer": str(l), "ctx_idx": p, "feature_type": "cross layer transcoder", "jsNodeId": f"{l}_{f}-0"}
        elif i < graph.n_features + L * P:
            l, p = divmod(i - graph.n_features, P)
            want = {"feature": -1, "layer": str(l), "ctx_idx": p, "feature_type": "mlp reconstruction error"}
        elif i < graph.n_sources:
            p = i - graph.n_features - L * P
            want = {"feature": p, "layer": "E", "ctx_idx": p, "feature_type": "embedding", "jsNodeId": f"E_{int(graph.node_ids[i].split('_')[1])}-{p}"}
        else:
            k = i - graph.n_sources
            want = {"feature": graph.logit_tokens[k], "layer": str(L + 1), "ctx_idx": P - 1, "feature_type": "logit", "is_target_logit": k == 0}
        for field, value in want.items():
            if node.get(field) != value:
                problems.append(f"node {nid}: {field} is {node.get(field)!r}; expected {value!r}")
    scale = float(A_torch.abs().max())
    worst_link = 0.0
    for link in g.get("links", []):
        s, t = node_index.get(link["source"]), node_index.get(link["target"])
        if s is None or t is None:
            problems.append(f"link {link['source']} -> {link['target']}: an unknown node")
            continue
        worst_link = max(worst_link, abs(link["weight"] - float(A_torch[t, s])) / scale)
    return {"nodes": len(g.get("nodes", [])), "links": len(g.get("links", [])), "link_relative_error": worst_link, "problems": problems[:20]}


# --------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--model", required=True, help="builtin, or a Hugging Face GPT-2 folder (config.json + model.safetensors)")
    ap.add_argument("--transcoders", required=True, nargs="+", help="set folder(s), SAELens folder(s) or a circuit-tracer config.yaml")
    ap.add_argument("--adjacency", required=True, help="the file npm run attribute --adjacency wrote")
    ap.add_argument("--graph", help="also check graph.json's node fields and link weights")
    ap.add_argument("--tokens", help="comma-separated token ids (default: the adjacency file's, BOS first)")
    ap.add_argument("--prefer", choices=("saelens", "circuit-tracer"), default="saelens", help="a set folder holding both forms: which to read (default saelens, as npm run attribute)")
    ap.add_argument("--max-logits", type=int, default=10)
    ap.add_argument("--logit-prob", type=float, default=0.95)
    ap.add_argument("--batch-rows", type=int, default=64, help="target rows per backward pass (copies of the prompt)")
    ap.add_argument("--tolerance", type=float, default=1e-5, help="max |A_file - A_torch| / max |A_torch| to pass")
    ap.add_argument("--perturbations", type=int, default=16, help="sources of the perturbation self-check")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: these tensors are small, and more threads only wait on each other)")
    ap.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    try:
        report = run(args)
    except InputError as e:
        print(f"attribution_check: {e}", file=sys.stderr)
        sys.exit(2)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    sys.exit(0 if report["pass"] else 1)


def run(args):
    model_dir = BUILTIN_MODEL if args.model == "builtin" else args.model
    model = ref.load_model(model_dir)
    transcoders = read_set(args.transcoders, args.prefer)
    for l, t in transcoders.items():
        d = model.cfg["d_model"]
        if l >= model.cfg["n_layers"] or t.w_enc.shape[0] != d or t.w_dec.shape[1] != d:
            raise InputError(f"{t.source}: layer {l}, d_in {t.w_enc.shape[0]}, d_out {t.w_dec.shape[1]}; the model has {model.cfg['n_layers']} layers of width {d}")
    A_file, ids_file, tensors, meta = read_adjacency(args.adjacency)
    tokens = [int(v) for v in args.tokens.split(",")] if args.tokens else [int(v) for v in tensors["tokens"]]
    if tokens[0] != BOS:
        tokens = [BOS] + tokens
    rm = ReplacementModel(model, transcoders, tokens)
    graph = Graph(model, rm, args.max_logits, args.logit_prob)
    # Self-check 1: the frozen forward's values are the real model's (gpt2_reference.forward).
    real = ref.forward(model, tokens, "processed")
    forward_err = max(float((real[f"blocks.{l}.ln2.hook_normalized"] - graph.n2[l]).abs().max()) for l in range(graph.n_layers))
    forward_err = max(forward_err, float((real["logits"][-1] - graph.real["logits"]).abs().max()))
    A_torch, rows, sources = autograd_adjacency(rm, graph, args.batch_rows)
    # Self-check 2: perturbations; and each target's value in the frozen model is the real one.
    perturb_err, values = perturbation_check(rm, graph, A_torch, rows, sources, args.perturbations, seed=0)
    pre_real = [graph.n2[l][p] @ rm.transcoders[l].w_enc[:, f] + rm.transcoders[l].b_enc[f] for l, p, f in graph.features]
    logit_real = graph.real["logits"][graph.logit_tokens] - graph.real["logits"].mean()
    values_real = torch.stack(pre_real + list(logit_real))
    value_err = float((values - values_real).abs().max() / values_real.abs().max())
    same_ids = ids_file == graph.node_ids
    report = {
        "adjacency": args.adjacency,
        "tokens": tokens,
        "nodes": {"file": len(ids_file), "torch": len(graph.node_ids), "features": graph.n_features, "logits": len(graph.logit_tokens)},
        "node_ids_equal": same_ids,
        "self_checks": {"forward_vs_gpt2_reference": forward_err, "perturbation_relative_error": perturb_err, "frozen_values_vs_real": value_err},
    }
    if not same_ids:
        only_file = [i for i in ids_file if i not in set(graph.node_ids)]
        only_torch = [i for i in graph.node_ids if i not in set(ids_file)]
        first = next((k for k, (a, b) in enumerate(zip(ids_file, graph.node_ids)) if a != b), min(len(ids_file), len(graph.node_ids)))
        report["id_differences"] = {"first_index": first, "only_in_file": only_file[:10], "only_in_torch": only_torch[:10], "order_only": not only_file and not only_torch}
        report["pass"] = False
        return report
    report["comparison"] = compare(A_file, A_torch, graph, tensors, args.tolerance)
    c = report["comparison"]
    ok = c["max_relative_error"] < args.tolerance and c["max_abs_in_error_and_embedding_rows"] == 0.0
    ok = ok and all(c[k] is not None and c[k] < args.tolerance for k in ("activation_relative_error", "logit_probability_error"))
    ok = ok and perturb_err < 1e-9 and forward_err < 1e-9 and value_err < 1e-9
    if args.graph:
        report["graph_json"] = check_graph_json(args.graph, graph, A_torch, {nid: i for i, nid in enumerate(graph.node_ids)})
        ok = ok and not report["graph_json"]["problems"] and report["graph_json"]["link_relative_error"] < args.tolerance
    report["pass"] = bool(ok)
    return report


def print_report(r):
    n = r["nodes"]
    print(f"adjacency {r['adjacency']}: {n['file']} nodes; torch: {n['torch']} ({n['features']} features, {n['logits']} logits), {len(r['tokens'])} tokens")
    s = r["self_checks"]
    print(f"self-checks (float64): forward vs gpt2_reference {s['forward_vs_gpt2_reference']:.2e}, perturbation {s['perturbation_relative_error']:.2e}, frozen values vs real {s['frozen_values_vs_real']:.2e}")
    print(f"node ids and order: {'equal' if r['node_ids_equal'] else 'DIFFERENT'}")
    if not r["node_ids_equal"]:
        print(f"  {json.dumps(r['id_differences'])}")
    if "comparison" in r:
        c = r["comparison"]
        print(f"edges: max |A_file - A_torch| {c['max_abs_error']:.3e} over max |A| {c['max_abs_adjacency']:.4g}: relative {c['max_relative_error']:.3e}")
        print(f"  rows (targets) over the tolerance relative to their own max: {c['rows_over_tolerance']}; worst: " + ", ".join(f"{w['node']} (at {w['source']}) {w['relative_error']:.2e}" for w in c["worst_rows"]))
        print(f"  error and embedding rows: max |A| {c['max_abs_in_error_and_embedding_rows']:.1e} (must be 0)")
        fmt = lambda v: "MISSING OR MISSHAPEN" if v is None else f"{v:.2e}"
        print(f"  activations: relative error {fmt(c['activation_relative_error'])}; logit probabilities: max error {fmt(c['logit_probability_error'])}")
    if "graph_json" in r:
        g = r["graph_json"]
        print(f"graph.json: {g['nodes']} nodes, {g['links']} links, link weights vs torch {g['link_relative_error']:.2e}; problems: {len(g['problems'])}")
        for p in g["problems"]:
            print(f"  {p}")
    print(f"VERDICT: {'PASS' if r['pass'] else 'FAIL'}")


if __name__ == "__main__":
    main()
