"""Reference cases computed with the Python standard library alone (no numpy, no torch), for the
masked layers whose window is given or which the other generators do not cover:

  given_*    "window_given": true: the window was drawn by Python's random.Random (a generator murine
             does not reproduce), so murine must take window.npy as the layer's window
  szdense_*, szconv2d_*   the schizophrenia layers' own kinds, built by murine with their default
             form 'diagonal' (param_reduction 0.5); window.npy is this script's 'diagonal' scan of
             docs/spec/connection-windows.md

Data are multiples of 1/8 in [-1, 1] (exact in float32); forward and backward run in Python floats
(float64) and are rounded to float32 once, when written. Deterministic: each case seeds its
random.Random with the CRC-32 of its name. Run: python3 tests/reference/gen_stdlib_cases.py
"""
import json
import math
import os
import random
import shutil
import struct
import zlib

FAMILY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stdlib")
SOURCE = "python 3 standard library (gen_stdlib_cases.py), computed in float64"


# ---- .npy writing (NEP 1, version 1.0) ----

def write_npy(path, values, shape, dtype):
    descr, fmt = {"f4": ("<f4", "<f"), "u1": ("|u1", "<B")}[dtype]
    dims = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, dims)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1"))
        f.write(b"".join(struct.pack(fmt, v) for v in values))


def write_case(name, meta, arrays):
    """arrays: key → (flat values, shape); "window" is stored as uint8 0/1, the rest as float32."""
    case_dir = os.path.join(FAMILY, name)
    os.makedirs(case_dir)
    for key, (values, shape) in arrays.items():
        write_npy(os.path.join(case_dir, key + ".npy"), values, shape, "u1" if key == "window" else "f4")
    meta = dict(meta, source=SOURCE)
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()) + "\n}\n")


def draws(rng, n):
    return [rng.randint(-8, 8) / 8.0 for _ in range(n)]


def numel(shape):
    return math.prod(shape)


# ---- windows ----

def diagonal_window(nx, ny, p):
    """The spec's 'diagonal' scan: (ny, nx) 0/1 rows, as flat list."""
    w = [0] * (ny * nx)
    if ny <= 1:
        return [1] * (ny * nx)
    hb = (nx * ny) / math.sqrt(nx * nx + ny * ny) * (1.0 - math.sqrt(p))
    rxy = (nx - 1) / (ny - 1)
    h = hb * math.sqrt(rxy * rxy + 1.0)
    for y in range(ny):
        lo = rxy * y - h
        x_lo = int(lo) + 1 if lo >= 0 else 0
        if x_lo > nx - 1:
            continue
        hi = rxy * y + h
        x_hi = math.ceil(hi) if hi < nx else nx
        for x in range(x_lo, x_hi):
            w[y * nx + x] = 1
    return w


def over_taps(channel, taps):
    return [v for v in channel for _ in range(taps)]


def usage(window):
    return 100.0 * sum(window) / len(window)


# ---- layers (float64) ----

def linear_case(x, w, b, gy, window, n, nin, nout):
    we = [w[k] * window[k] for k in range(len(w))]
    y = [(b[o] if b else 0.0) + sum(x[i * nin + c] * we[o * nin + c] for c in range(nin))
         for i in range(n) for o in range(nout)]
    gx = [sum(gy[i * nout + o] * we[o * nin + c] for o in range(nout)) for i in range(n) for c in range(nin)]
    gw = [window[o * nin + c] * sum(gy[i * nout + o] * x[i * nin + c] for i in range(n))
          for o in range(nout) for c in range(nin)]
    gb = [sum(gy[i * nout + o] for i in range(n)) for o in range(nout)]
    return y, gx, gw, gb


def conv_case(x, w, b, gy, window, n, cin, cout, hw, k, pad):
    """stride 1, symmetric zero padding `pad`, square images hw × hw; output (n, cout, ho, ho)."""
    ho = hw + 2 * pad - k + 1
    we = [w[q] * window[q] for q in range(len(w))]
    X = lambda i, c, r, s: x[((i * cin + c) * hw + r) * hw + s]
    W = lambda o, c, a, d: ((o * cin + c) * k + a) * k + d
    Y = lambda i, o, r, s: ((i * cout + o) * ho + r) * ho + s
    y = [0.0] * (n * cout * ho * ho)
    gx = [0.0] * len(x)
    gw = [0.0] * len(w)
    for i in range(n):
        for o in range(cout):
            for r in range(ho):
                for s in range(ho):
                    acc = b[o] if b else 0.0
                    g = gy[Y(i, o, r, s)]
                    for c in range(cin):
                        for a in range(k):
                            for d in range(k):
                                rr, ss = r + a - pad, s + d - pad
                                if 0 <= rr < hw and 0 <= ss < hw:
                                    acc += X(i, c, rr, ss) * we[W(o, c, a, d)]
                                    gx[((i * cin + c) * hw + rr) * hw + ss] += g * we[W(o, c, a, d)]
                                    gw[W(o, c, a, d)] += g * X(i, c, rr, ss)
                    y[Y(i, o, r, s)] = acc
    gw = [gw[q] * window[q] for q in range(len(gw))]
    gb = [sum(gy[Y(i, o, r, s)] for i in range(n) for r in range(ho) for s in range(ho)) for o in range(cout)]
    return y, gx, gw, gb, ho


def dense(name, kind, nin, nout, window, meta):
    rng = random.Random(zlib.crc32(name.encode()))
    n = 2
    x, w, b = draws(rng, n * nin), draws(rng, nout * nin), draws(rng, nout)
    gy = draws(rng, n * nout)
    y, gx, gw, gb = linear_case(x, w, b, gy, window, n, nin, nout)
    write_case(name, dict({"layer": kind, "in_features": nin, "out_features": nout, "bias": True}, **meta,
                          usage_percent=usage(window)),
               {"window": (window, (nout, nin)), "weight": (w, (nout, nin)), "bias": (b, (nout,)),
                "x": (x, (n, nin)), "y": (y, (n, nout)), "gy": (gy, (n, nout)), "gx": (gx, (n, nin)),
                "gweight": (gw, (nout, nin)), "gbias": (gb, (nout,))})


def conv(name, kind, cin, cout, k, window, meta):
    rng = random.Random(zlib.crc32(name.encode()))
    n, hw, pad = 2, 4, 1
    x, w, b = draws(rng, n * cin * hw * hw), draws(rng, cout * cin * k * k), draws(rng, cout)
    ho = hw + 2 * pad - k + 1
    gy = draws(rng, n * cout * ho * ho)
    y, gx, gw, gb, _ = conv_case(x, w, b, gy, window, n, cin, cout, hw, k, pad)
    wshape = (cout, cin, k, k)
    write_case(name, dict({"layer": kind, "in_channels": cin, "out_channels": cout, "kernel_size": [k, k],
                           "stride": [1, 1], "padding": [pad, pad], "bias": True}, **meta,
                          usage_percent=usage(window)),
               {"window": (window, wshape), "weight": (w, wshape), "bias": (b, (cout,)),
                "x": (x, (n, cin, hw, hw)), "y": (y, (n, cout, ho, ho)), "gy": (gy, (n, cout, ho, ho)),
                "gx": (gx, (n, cin, hw, hw)), "gweight": (gw, wshape), "gbias": (gb, (cout,))})


def main():
    if os.path.isdir(FAMILY):
        shutil.rmtree(FAMILY)
    os.makedirs(FAMILY)
    # A 'random' window drawn by Python's generator: u >= p keeps a weight.
    r = random.Random(20240607)
    window = [1 if r.random() >= 0.5 else 0 for _ in range(6 * 7)]
    dense("given_mlinear_random_p0.5", "mLinear", 7, 6, window,
          {"form": "random", "param_reduction": 0.5, "window_given": True})
    # A 'kernel' window: one draw per (out, in) pair keeps or drops its whole 3×3 kernel.
    r = random.Random(20240608)
    channel = [1 if r.random() >= 0.4 else 0 for _ in range(4 * 3)]
    conv("given_mconv2d_kernel_k3_p1", "mConv2d", 3, 4, 3, over_taps(channel, 9),
         {"form": "kernel", "param_reduction": 0.4, "window_given": True})
    # The schizophrenia layers with their defaults: form 'diagonal', param_reduction 0.5.
    dense("szdense_default_7_5", "SzDense", 7, 5, diagonal_window(7, 5, 0.5), {})
    conv("szconv2d_default_k3_p1", "SzConv2D", 5, 4, 3, over_taps(diagonal_window(5, 4, 0.5), 9), {})


if __name__ == "__main__":
    main()
