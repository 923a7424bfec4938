"""Writing reference cases in the format of docs/spec/reference-cases.md.

Shared by gen_torch_cases.py (Debian's python3 + torch) and gen_keras_cases.py
(Keras 3 + JAX); needs only numpy and the standard library.
"""
import json
import os
import shutil
import struct
import zlib

import numpy as np


def rng_for(name):
    """A numpy generator seeded from the case name, so each case is reproducible on its own."""
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def clear_family(family_dir):
    """Remove the case directories (those holding a case.json) left by an earlier run."""
    os.makedirs(family_dir, exist_ok=True)
    for entry in sorted(os.listdir(family_dir)):
        path = os.path.join(family_dir, entry)
        if os.path.isdir(path) and os.path.exists(os.path.join(path, "case.json")):
            shutil.rmtree(path)


def write_case(family_dir, name, meta, arrays):
    """Write <family_dir>/<name>/case.json and one .npy per array.

    Windows (key "window") are stored as uint8 0/1; every other array as float32, C order.
    """
    case_dir = os.path.join(family_dir, name)
    if os.path.exists(case_dir):
        raise RuntimeError(f"duplicate case name {name}")
    os.makedirs(case_dir)
    for key, value in arrays.items():
        value = np.asarray(value)
        if key == "window":
            if not np.all((value == 0) | (value == 1)):
                raise ValueError(f"{name}: window is not 0/1")
            value = value.astype(np.uint8)
        else:
            value = value.astype(np.float32)
        np.save(os.path.join(case_dir, key + ".npy"), np.ascontiguousarray(value))
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        f.write(format_case_json(meta))
    return case_dir


# case.json keys in the order of the spec, then the extra kinds' keys (README.md), then the rest.
KEY_ORDER = [
    "layer", "wrapped_layer", "keras_layer",
    "in_features", "out_features", "in_channels", "out_channels", "num_features", "num_channels",
    "kernel_size", "stride", "padding", "output_padding", "dilation", "groups", "bias",
    "form", "input2d_width", "output2d_width", "window2d_width", "param_reduction", "halfbandwidth",
    "usage_percent",
    "axis", "momentum", "epsilon", "eps", "center", "scale", "affine", "track_running_stats",
    "size", "interpolation", "pool_size", "strides", "ceil_mode", "keepdims", "power_iterations", "training",
    "tolerance", "note", "source",
    "file", "framework", "convention", "lr", "rho", "centered", "weight_decay", "steps",
]


def format_case_json(meta):
    """One key per line, values compact, keys in KEY_ORDER; deterministic output."""
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    keys = sorted(meta, key=lambda k: (rank.get(k, len(KEY_ORDER)), k))
    lines = [f" {json.dumps(k)}: {json.dumps(meta[k])}" for k in keys]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_safetensors(path, arrays):
    """The safetensors format (8-byte header length, JSON header, row-major data); F32 and U8."""
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        a = arrays[name]
        dtype, data = ("U8", a.astype(np.uint8)) if a.dtype == np.uint8 else ("F32", a.astype("<f4"))
        data = np.ascontiguousarray(data).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def max_pool_reference(x, kernel, stride, pads, gy=None):
    """Max pooling of x (N, C, H, W) in float64 with explicit pads (top, bottom, left, right) that
    never win, the gradient going to the FIRST maximum of each window in row-major order.
    Returns y, or (y, gx) when gy is given."""
    (kh, kw), (sh, sw), (pt, pb, pl, pr) = kernel, stride, pads
    n, c, h, w = x.shape
    oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
    y = np.empty((n, c, oh, ow))
    gx = np.zeros(x.shape)
    for i in range(oh):
        r0, r1 = max(i * sh - pt, 0), min(i * sh - pt + kh, h)
        for j in range(ow):
            c0, c1 = max(j * sw - pl, 0), min(j * sw - pl + kw, w)
            window = x[:, :, r0:r1, c0:c1].reshape(n, c, -1)
            first = np.argmax(window, axis=2)  # numpy's argmax: the first maximum
            y[:, :, i, j] = np.take_along_axis(window, first[:, :, None], 2)[:, :, 0]
            if gy is not None:
                rows, cols = r0 + first // (c1 - c0), c0 + first % (c1 - c0)
                for a in range(n):
                    for b in range(c):
                        gx[a, b, rows[a, b], cols[a, b]] += gy[a, b, i, j]
    return y if gy is None else (y, gx)


def rmsprop_trajectory_inputs(name, shape=(3, 4), steps=5):
    """The initial parameter and per-step gradients of an RMSprop reference trajectory: values
    about 1e-2, gradients spread over five decades (so the place of epsilon shows), and the last
    column a masked weight (zero value, zero gradient), all float32."""
    rng = rng_for(name)
    p0 = rng.uniform(-0.05, 0.05, shape).astype(np.float32)
    p0[:, -1] = 0
    grads = []
    for _ in range(steps):
        g = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-5, 0, shape)).astype(np.float32)
        g[:, -1] = 0
        grads.append(g)
    return p0, grads


def write_rmsprop_family(out_dir, prefix, entries):
    """Write <out_dir>/<prefix>_<variant>.safetensors (param_0, grad_k, param_k for k = 1..steps)
    for each entry and the list <out_dir>/<prefix>.json; removes that prefix's older files first."""
    os.makedirs(out_dir, exist_ok=True)
    for entry in sorted(os.listdir(out_dir)):
        if entry.startswith(prefix + "_") and entry.endswith(".safetensors"):
            os.remove(os.path.join(out_dir, entry))
    listing = []
    for meta, arrays in entries:
        write_safetensors(os.path.join(out_dir, meta["file"]), arrays)
        listing.append(meta)
    with open(os.path.join(out_dir, prefix + ".json"), "w") as f:
        f.write("[\n" + ",\n".join(format_case_json(m).rstrip() for m in listing) + "\n]\n")
