#!/usr/bin/env python3
"""Self-check of the reference cases: every case directory is well formed.

For each <family>/<case>/ under tests/reference/ (family = torch, keras):
  - case.json parses and names a known layer with the keys that layer needs;
  - exactly the expected .npy files are present (required and allowed optional ones);
  - every tensor has the dtype (float32; window.npy uint8 or float32 with 0/1) and the shape that
    case.json implies (output sizes recomputed from kernel, stride, padding, ...), C order;
  - a masked layer's usage_percent equals 100 * sum(window) / size(window) exactly.

Needs only numpy. With --torch (Debian's /usr/bin/python3 has torch) it also recomputes the Keras
Linear/Conv2d/ConvTranspose2d, UpSampling2D, GroupNormalization, MaxPooling2D and
GlobalAveragePooling2D cases with PyTorch, as an
independent check of the layout conversions and of the documented conventions.

Usage: python3 tests/reference/check_cases.py [--torch] [DIR ...]
Prints one line per problem, counts per family and kind, then 'N passed, N failed'.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = ("torch", "keras")
LINEAR = ("Linear", "mLinear")
CONV = ("Conv2d", "mConv2d")
CONVT = ("ConvTranspose2d", "mConvTranspose2d")
MASKED = ("mLinear", "mConv2d", "mConvTranspose2d")


class Malformed(Exception):
    pass


def need(meta, *keys):
    for k in keys:
        if k not in meta:
            raise Malformed(f"case.json lacks '{k}'")
    return [meta[k] for k in keys]


def pair(meta, key, default=None):
    v = meta.get(key, default)
    if v is None:
        raise Malformed(f"case.json lacks '{key}'")
    if isinstance(v, str):
        return v
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(e, int) for e in v)):
        raise Malformed(f"'{key}' must be [int, int], got {v!r}")
    return v


def conv_out(n, k, s, p, d, transposed, op=0):
    keff = d * (k - 1) + 1
    if transposed:
        if p == "same":
            return n * s
        if p == "valid":
            return (n - 1) * s + max(keff, s)   # Keras: output_padding None
        return (n - 1) * s - 2 * p + keff + op
    if p == "same":
        return -(-n // s)
    if p == "valid":
        return (n - keff) // s + 1
    return (n + 2 * p - keff) // s + 1


def weight_layer_shapes(meta, layer, x_shape):
    """Shapes of weight, bias and y for the Linear / Conv / ConvTranspose kinds."""
    if layer in LINEAR:
        nin, nout = need(meta, "in_features", "out_features")
        if len(x_shape) != 2 or x_shape[1] != nin:
            raise Malformed(f"x shape {x_shape} does not fit in_features {nin}")
        return (nout, nin), (nout,), (x_shape[0], nout)
    cin, cout = need(meta, "in_channels", "out_channels")
    kh, kw = pair(meta, "kernel_size")
    sh, sw = pair(meta, "stride")
    dh, dw = pair(meta, "dilation", [1, 1])
    g = meta.get("groups", 1)
    padding = meta.get("padding")
    if padding in ("same", "valid"):
        ph = pw = padding
    else:
        ph, pw = pair(meta, "padding")
    if cin % g or cout % g:
        raise Malformed(f"channels {cin}, {cout} not divisible by groups {g}")
    if len(x_shape) != 4 or x_shape[1] != cin:
        raise Malformed(f"x shape {x_shape} does not fit in_channels {cin}")
    transposed = layer in CONVT
    oh, ow = pair(meta, "output_padding", [0, 0]) if transposed else (0, 0)
    h = conv_out(x_shape[2], kh, sh, ph, dh, transposed, oh)
    w = conv_out(x_shape[3], kw, sw, pw, dw, transposed, ow)
    if h <= 0 or w <= 0:
        raise Malformed(f"empty output {h}x{w}")
    wshape = (cin, cout // g, kh, kw) if transposed else (cout, cin // g, kh, kw)
    return wshape, (cout,), (x_shape[0], cout, h, w)


def expected_files(meta, x_shape):
    """{file stem: expected shape} for the case's kind; raises Malformed for bad case.json."""
    layer = need(meta, "layer")[0]
    if layer in LINEAR + CONV + CONVT:
        if x_shape is None:           # window-only case
            if layer not in MASKED:
                raise Malformed("an unmasked layer case needs x.npy")
            if layer in LINEAR:
                nin, nout = need(meta, "in_features", "out_features")
                wshape = (nout, nin)
            else:
                probe = (1, meta.get("in_channels", 0), 64, 64)
                wshape = weight_layer_shapes(meta, layer, probe)[0]
            return {"window": wshape}
        wshape, bshape, yshape = weight_layer_shapes(meta, layer, x_shape)
        files = {"x": x_shape, "weight": wshape, "y": yshape, "gy": yshape, "gx": x_shape,
                 "gweight": wshape}
        if need(meta, "bias")[0]:
            files.update({"bias": bshape, "gbias": bshape})
        if layer in MASKED:
            need(meta, "form")
            files["window"] = wshape
        return files
    if x_shape is None:
        raise Malformed("missing x.npy")
    if layer in ("BatchNorm2d", "BatchNormalization"):
        need(meta, "training", "momentum")
        c = x_shape[1]
        files = {"x": x_shape, "y": x_shape, "gy": x_shape, "gx": x_shape}
        for k in ("weight", "bias", "running_mean", "running_var", "running_mean_after",
                  "running_var_after", "gweight", "gbias"):
            files[k] = (c,)
        return files
    if layer == "GroupNormalization":
        (groups,) = need(meta, "groups", "epsilon")[:1]
        c = x_shape[1]
        if c % groups:
            raise Malformed(f"{c} channels not divisible by {groups} groups")
        return {"x": x_shape, "y": x_shape, "gy": x_shape, "gx": x_shape, "weight": (c,),
                "bias": (c,), "gweight": (c,), "gbias": (c,)}
    if layer == "UpSampling2D":
        sh, sw = pair(meta, "size")
        need(meta, "interpolation")
        y = (x_shape[0], x_shape[1], x_shape[2] * sh, x_shape[3] * sw)
        return {"x": x_shape, "y": y, "gy": y, "gx": x_shape}
    if layer == "AveragePooling2D":
        kh, kw = pair(meta, "pool_size")
        sh, sw = pair(meta, "strides")
        p = need(meta, "padding")[0]
        if p not in ("same", "valid"):
            raise Malformed(f"padding {p!r}")
        y = (x_shape[0], x_shape[1], conv_out(x_shape[2], kh, sh, p, 1, False),
             conv_out(x_shape[3], kw, sw, p, 1, False))
        return {"x": x_shape, "y": y, "gy": y, "gx": x_shape}
    if layer == "MaxPooling2D":
        kh, kw = pair(meta, "pool_size")
        sh, sw = pair(meta, "strides")
        p = need(meta, "padding")[0]
        if p not in ("same", "valid"):
            raise Malformed(f"padding {p!r}")
        y = (x_shape[0], x_shape[1], conv_out(x_shape[2], kh, sh, p, 1, False),
             conv_out(x_shape[3], kw, sw, p, 1, False))
        return {"x": x_shape, "y": y, "gy": y, "gx": x_shape}
    if layer == "MaxPool2d":
        (kh, kw), (sh, sw), (ph, pw) = pair(meta, "kernel_size"), pair(meta, "stride"), pair(meta, "padding")
        ceil_mode = bool(meta.get("ceil_mode", False))

        def out(n, k, s, p):
            o = (-(-(n + 2 * p - k) // s) if ceil_mode else (n + 2 * p - k) // s) + 1
            return o - 1 if ceil_mode and (o - 1) * s >= n + p else o
        y = (x_shape[0], x_shape[1], out(x_shape[2], kh, sh, ph), out(x_shape[3], kw, sw, pw))
        return {"x": x_shape, "y": y, "gy": y, "gx": x_shape}
    if layer == "GlobalAveragePooling2D":
        if meta.get("keepdims", False):
            raise Malformed("keepdims true is not a stored kind")
        y = (x_shape[0], x_shape[1])
        return {"x": x_shape, "y": y, "gy": y, "gx": x_shape}
    if layer == "SpectralNormalization":
        wrapped, training = need(meta, "wrapped_layer", "training")
        if wrapped not in ("Linear", "Conv2d"):
            raise Malformed(f"wrapped_layer {wrapped!r}")
        wshape, bshape, yshape = weight_layer_shapes(meta, wrapped, x_shape)
        nout = wshape[0]
        files = {"x": x_shape, "weight": wshape, "y": yshape, "gy": yshape, "gx": x_shape,
                 "u": (nout,), "u_after": (nout,), "weight_after": wshape}
        if meta.get("bias"):
            files.update({"bias": bshape, "gbias": bshape})
        if training:
            files["sigma"] = (1,)
        return files
    raise Malformed(f"unknown layer {layer!r}")


def check_case(case_dir):
    """Returns (layer kind, list of problems)."""
    try:
        with open(os.path.join(case_dir, "case.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        return "?", [f"case.json: {e}"]
    if not isinstance(meta, dict):
        return "?", ["case.json is not an object"]
    kind = str(meta.get("layer", "?"))
    arrays = {}
    problems = []
    for fname in sorted(os.listdir(case_dir)):
        if fname == "case.json":
            continue
        if not fname.endswith(".npy"):
            problems.append(f"unexpected file {fname}")
            continue
        try:
            arrays[fname[:-4]] = np.load(os.path.join(case_dir, fname), allow_pickle=False)
        except (OSError, ValueError) as e:
            problems.append(f"{fname}: {e}")
    if problems:
        return kind, problems
    x = arrays.get("x")
    try:
        expected = expected_files(meta, None if x is None else tuple(x.shape))
    except Malformed as e:
        return kind, [str(e)]
    for stem in sorted(set(expected) | set(arrays)):
        if stem not in arrays:
            problems.append(f"missing {stem}.npy")
            continue
        if stem not in expected:
            problems.append(f"unexpected {stem}.npy")
            continue
        a = arrays[stem]
        if tuple(a.shape) != tuple(expected[stem]):
            problems.append(f"{stem}.npy shape {tuple(a.shape)}, expected {tuple(expected[stem])}")
        if stem == "window":
            if a.dtype not in (np.uint8, np.float32):
                problems.append(f"window.npy dtype {a.dtype}")
            elif not np.all((a == 0) | (a == 1)):
                problems.append("window.npy is not 0/1")
        elif a.dtype != np.float32:
            problems.append(f"{stem}.npy dtype {a.dtype}, expected float32")
        elif not np.all(np.isfinite(a)):
            problems.append(f"{stem}.npy has non-finite values")
        if not a.flags["C_CONTIGUOUS"]:
            problems.append(f"{stem}.npy is not C order")
    if "window" in arrays and not problems:
        w = arrays["window"]
        usage = 100.0 * int(w.astype(np.int64).sum()) / w.size
        if "usage_percent" in meta and meta["usage_percent"] != usage:
            problems.append(f"usage_percent {meta['usage_percent']!r} != window's {usage!r}")
    return kind, problems


# ---------------------------------------------------------------------------------------------
# Optional recomputation with PyTorch (--torch)
# ---------------------------------------------------------------------------------------------

def torch_recompute(case_dir):
    """Recompute y and gx of a Keras case with PyTorch; returns the worst relative error or None."""
    import torch
    import torch.nn.functional as F

    with open(os.path.join(case_dir, "case.json")) as f:
        meta = json.load(f)
    layer = meta["layer"]

    def load(stem):
        return torch.tensor(np.load(os.path.join(case_dir, stem + ".npy")), dtype=torch.float64)

    x = load("x").requires_grad_(True)
    bias = load("bias") if os.path.exists(os.path.join(case_dir, "bias.npy")) else None
    if layer == "Linear":
        y = F.linear(x, load("weight"), bias)
    elif layer in ("Conv2d", "ConvTranspose2d"):
        w = load("weight")
        s = meta["stride"][0]
        k = meta["kernel_size"][0]
        if layer == "Conv2d":
            if meta["padding"] == "same":
                pads = []
                for n in (x.shape[3], x.shape[2]):       # F.pad wants (left, right, top, bottom)
                    total = max((-(-n // s) - 1) * s + k - n, 0)
                    pads += [total // 2, total - total // 2]
                y = F.conv2d(F.pad(x, pads), w, bias, s)
            else:
                y = F.conv2d(x, w, bias, s)
        else:
            full = F.conv_transpose2d(x, w, bias, s)      # (n-1)*s + k
            if meta["padding"] == "same":                 # crop to the adjoint of 'same' conv
                crops = []
                for n in (x.shape[2], x.shape[3]):
                    total = max(k - s, 0)
                    crops.append(total // 2)
                h, wd = x.shape[2] * s, x.shape[3] * s
                full = full[:, :, crops[0]:crops[0] + h, crops[1]:crops[1] + wd]
                if full.shape[2] < h or full.shape[3] < wd:   # k < s: zero rows at the end
                    full = F.pad(full, [0, wd - full.shape[3], 0, h - full.shape[2]])
            y = full
    elif layer == "UpSampling2D":
        mode = meta["interpolation"]
        if mode == "nearest":
            y = F.interpolate(x, scale_factor=tuple(meta["size"]), mode="nearest")
        else:
            y = F.interpolate(x, scale_factor=tuple(meta["size"]), mode="bilinear",
                              align_corners=False, antialias=False)
    elif layer == "GroupNormalization":
        y = F.group_norm(x, meta["groups"], load("weight"), load("bias"), meta["epsilon"])
    elif layer == "MaxPooling2D":
        k, s = meta["pool_size"][0], meta["strides"][0]
        if meta["padding"] == "same":                     # -inf padding, the extra cell at the end
            pads = []
            for n in (x.shape[3], x.shape[2]):
                total = max((-(-n // s) - 1) * s + k - n, 0)
                pads += [total // 2, total - total // 2]
            y = F.max_pool2d(F.pad(x, pads, value=float("-inf")), k, s)
        else:
            y = F.max_pool2d(x, k, s)
    elif layer == "GlobalAveragePooling2D":
        y = x.mean(dim=(2, 3))
    else:
        return None
    gy = load("gy")
    (y * gy).sum().backward()
    err = 0.0
    for got, stem in ((y.detach(), "y"), (x.grad, "gx")):
        ref = load(stem)
        err = max(err, float((got - ref).abs().max() / max(float(ref.abs().max()), 1e-12)))
    return err


def main(argv):
    use_torch = "--torch" in argv
    dirs = [a for a in argv if a != "--torch"] or [os.path.join(HERE, f) for f in FAMILIES]
    cases = []
    for d in dirs:
        if os.path.exists(os.path.join(d, "case.json")):
            cases.append(d)
            continue
        if not os.path.isdir(d):
            print(f"FAIL {d}: no such directory")
            cases.append(d)
            continue
        for entry in sorted(os.listdir(d)):
            if os.path.isdir(os.path.join(d, entry)):
                cases.append(os.path.join(d, entry))
    passed = failed = 0
    counts = {}
    total_bytes = 0
    for case_dir in cases:
        family = os.path.basename(os.path.dirname(os.path.abspath(case_dir)))
        if not os.path.isdir(case_dir):
            failed += 1
            continue
        kind, problems = check_case(case_dir)
        if not problems and use_torch and family == "keras":
            err = torch_recompute(case_dir)
            if err is not None and err > 1e-5:
                problems.append(f"PyTorch recomputation differs: {err:.3g}")
        total_bytes += sum(os.path.getsize(os.path.join(case_dir, f)) for f in os.listdir(case_dir))
        window_only = os.listdir(case_dir) and not os.path.exists(os.path.join(case_dir, "x.npy"))
        key = (family, kind + (" (window only)" if window_only else ""))
        counts[key] = counts.get(key, 0) + 1
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {family}/{os.path.basename(case_dir)}: {p}")
        else:
            passed += 1
    for (family, kind), n in sorted(counts.items()):
        print(f"  {family:6s} {kind:34s} {n:3d}")
    print(f"{len(cases)} cases, {total_bytes / 1e6:.2f} MB of case files")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
