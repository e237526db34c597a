"""Small fixtures for the .pt / .npz readers in src/engine/formats/torch/ and npz.ts.

    /usr/bin/python3 tools/make_pickle_fixtures.py

Writes test/fixtures/pickles/: torch.save files (zip format, pickle protocol 2 unless
named _p4), one legacy (pre-1.6, non-zip) torch file, .npz files from np.savez and
np.savez_compressed, plain pickles of one nested value in protocols 1-5, and
expected.json: for every fixture file, every tensor/array as
{dtype, shape, stride, offset, values (flat, row-major)} in the reader's dtype names.
Byte-identical on rerun (torch 1.13 and numpy write fixed zip times) except legacy.pt,
whose storage keys are memory addresses.
"""

import collections
import dataclasses
import io
import json
import os
import pickle
import sys
import types
import zipfile

import numpy as np
import torch

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "pickles")

TORCH_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
NUMPY_DTYPES = {
    "<f4": "F32",
    "<f2": "F16",
    "<f8": "F64",
    "<i8": "I64",
    "<i4": "I32",
    "|b1": "BOOL",
    "|u1": "U8",
}


def tensor_expected(t):
    values = t.contiguous().reshape(-1)
    values = values.float() if t.dtype in (torch.float16, torch.bfloat16) else values
    return {
        "dtype": TORCH_DTYPES[t.dtype],
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "offset": t.storage_offset(),
        "values": values.tolist(),
    }


def array_expected(a):
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype == np.float16:
        flat = flat.astype(np.float32)
    return {
        "dtype": NUMPY_DTYPES[a.dtype.str],
        "shape": list(a.shape),
        "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
        "values": flat.tolist(),
    }


def walk_tensors(value, path, out):
    """Dotted paths as the TS reader's tensors() lists them (dict keys, list indices)."""
    if isinstance(value, torch.Tensor):
        out[path] = tensor_expected(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            walk_tensors(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            walk_tensors(v, f"{path}.{i}" if path else str(i), out)
    return out


# A stand-in for transcoder_circuits' sae_training/config.py, importable by pickle.
sae_training = types.ModuleType("sae_training")
sae_config = types.ModuleType("sae_training.config")
sae_training.config = sae_config
sys.modules["sae_training"] = sae_training
sys.modules["sae_training.config"] = sae_config


@dataclasses.dataclass
class LanguageModelSAERunnerConfig:
    model_name: str = "gpt2-small"
    hook_point: str = "blocks.3.ln2.hook_normalized"
    hook_point_layer: int = 3
    out_hook_point: str = "blocks.3.hook_mlp_out"
    is_transcoder: bool = True
    d_in: int = 4
    d_out: int = 4
    expansion_factor: int = 2
    d_sae: int = 8
    l1_coefficient: float = 1.4e-4
    lr: float = 4e-4
    dtype: torch.dtype = torch.float32
    device: torch.device = torch.device("cpu")


LanguageModelSAERunnerConfig.__module__ = "sae_training.config"
sae_config.LanguageModelSAERunnerConfig = LanguageModelSAERunnerConfig


def randn(gen, *shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen).to(dtype)


def torch_fixtures(expected):
    gen = torch.Generator().manual_seed(20240611)

    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    save(expected, "state_dict.pt", model.state_dict())

    dtypes = {
        "f32": randn(gen, 2, 3),
        "f16": randn(gen, 5, dtype=torch.float16),
        "bf16": randn(gen, 2, 2, dtype=torch.bfloat16),
        "f64": randn(gen, 3, dtype=torch.float64) / 3,
        "i64": torch.tensor([-(2**40), -1, 0, 7, 2**52 + 1], dtype=torch.int64),
        "i32": torch.tensor([[-5, 6], [2**31 - 1, -(2**31)]], dtype=torch.int32),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "k": torch.tensor(32, dtype=torch.int64),
        "threshold": torch.tensor(0.25),
        "empty": torch.zeros(0, 3),
        "empty_cols": torch.zeros(3, 0),
    }
    save(expected, "dtypes.pt", dtypes)
    save(expected, "dtypes_p4.pt", dtypes, pickle_protocol=4)

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 2
    flat = torch.arange(10, dtype=torch.float32) * 0.25
    views = {
        "base": base,
        "t": base.t(),
        "row": base[1],
        "col": base[:, 2],
        "block": base[1:, 1:3].t(),
        "tail": flat[6:9],
        "expanded": flat[:3].expand(2, 3),
        "w_t": randn(gen, 3, 5).t(),
        "permuted": (torch.arange(24.0).reshape(2, 3, 4) - 5).permute(2, 0, 1)[:, :, 1:],
    }
    save(expected, "views.pt", views)

    params = {
        "p": torch.nn.Parameter(randn(gen, 2, 2)),
        "frozen": torch.nn.Parameter(randn(gen, 3), requires_grad=False),
    }
    save(expected, "parameters.pt", params)

    nested = {
        "list": [1, -2.5, "x", None, True, False],
        "tuple": (1, (2, 3), [4]),
        "long_tuple": (1, 2, 3, 4, 5),
        "od": collections.OrderedDict([("b", 1), ("a", 2)]),
        "bytes": b"\x00\xffab",
        "big": 2**70,
        "neg": -(2**40),
        "set": {3},
        "int_keys": {1: "one", 2: "two"},
        "empty": {},
        "unicode": "héllo ✓",
        "tensors": [randn(gen, 2), {"inner": randn(gen, 1, 2)}],
    }
    save(expected, "nested.pt", nested)

    state_dict = collections.OrderedDict(
        [
            ("W_enc", randn(gen, 4, 8)),
            ("b_enc", randn(gen, 8)),
            ("W_dec", randn(gen, 8, 4)),
            ("b_dec", randn(gen, 4)),
            ("b_dec_out", randn(gen, 4)),
        ]
    )
    # As transcoder_circuits' SparseAutoencoder.save_model writes it.
    cfg = LanguageModelSAERunnerConfig()
    save(expected, "transcoder_circuits.pt", {"cfg": cfg, "state_dict": state_dict})

    legacy = os.path.join(OUT, "legacy.pt")
    torch.save({"w": randn(gen, 2, 2)}, legacy, _use_new_zipfile_serialization=False)


def save(expected, name, obj, **kwargs):
    torch.save(obj, os.path.join(OUT, name), **kwargs)
    expected[name] = walk_tensors(obj, "", {})


def numpy_fixtures(expected):
    rng = np.random.default_rng(20240611)
    arrays = {
        "f4": rng.standard_normal((2, 3)).astype("<f4"),
        "f2": rng.standard_normal(5).astype("<f2"),
        "f8": rng.standard_normal((2, 2)) / 3,
        "i8": np.array([-(2**40), 0, 2**52 + 1], dtype="<i8"),
        "i4": np.array([[1, -2], [3, -4]], dtype="<i4"),
        "b1": np.array([True, False]),
        "u1": np.array([0, 255], dtype="|u1"),
        "fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3) * 1.5),
        "scalar": np.array(0.5, dtype="<f4"),
        "nested/name": np.arange(3, dtype="<f4"),
    }
    np.savez(os.path.join(OUT, "arrays.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "arrays_compressed.npz"), **arrays)
    expected["arrays.npz"] = {k: array_expected(v) for k, v in arrays.items()}
    expected["arrays_compressed.npz"] = expected["arrays.npz"]

    obj = np.array([1, "a"], dtype=object)
    np.savez(os.path.join(OUT, "object.npz"), ok=np.arange(2, dtype="<f4"), obj=obj)

    # .npy header versions 1.0, 2.0 and 3.0 (3.0: UTF-8 header), written by numpy itself.
    versions = {"v1": (1, 0), "v2": (2, 0), "v3": (3, 0)}
    a = np.arange(4, dtype="<f4").reshape(2, 2) - 1.5
    with zipfile.ZipFile(os.path.join(OUT, "npy_versions.npz"), "w") as z:
        for name, version in versions.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, a, version=version)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, buf.getvalue())
    expected["npy_versions.npz"] = {k: array_expected(a) for k in versions}


NESTED_VALUE = {
    "ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**31, 2**63, -(2**63) - 1],
    "floats": [0.0, -0.0, 1.5, -2.25e-300, 1e300],
    "strings": ["", "a", "é✓", "x" * 300],
    "bytes": [b"", b"\x00\x01\xff"],
    "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
    "consts": [None, True, False],
    "od": collections.OrderedDict([("z", 1), ("y", [2])]),
    "set": {5},
    "frozenset": frozenset({6}),
    "shared": None,
}
NESTED_VALUE["shared"] = [NESTED_VALUE["od"], NESTED_VALUE["od"]]


def pickle_fixtures():
    for protocol in range(1, 6):
        with open(os.path.join(OUT, f"nested_p{protocol}.pkl"), "wb") as f:
            f.write(pickle.dumps(NESTED_VALUE, protocol=protocol))


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    torch_fixtures(expected)
    numpy_fixtures(expected)
    pickle_fixtures()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
