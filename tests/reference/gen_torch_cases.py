#!/usr/bin/python3
"""Generate the PyTorch reference cases under tests/reference/torch/.

Run with Debian's python3 (python3-torch 1.13): `/usr/bin/python3 tests/reference/gen_torch_cases.py`.

Layers: Linear, Conv2d, ConvTranspose2d, their masked versions mLinear, mConv2d, mConvTranspose2d,
BatchNorm2d, MaxPool2d, and window-only cases for the figures of docs/spec/connection-windows.md.
Also the torch.optim.RMSprop trajectories of ../rmsprop/torch_*.safetensors (README.md).

The connection windows are written here from the spec (forms '2d' and 'diagonal'), in double
precision, following its scan step by step. A masked layer computes with W_eff = W ⊙ window; the
window is a constant tensor (not a Parameter), so autograd gives dL/dW = dL/dW_eff ⊙ window.

All forward and backward passes run in float64 on float32-representable inputs; the results are
stored as float32. Loss for the backward pass: L = sum(y * gy).
"""
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refcase import (clear_family, max_pool_reference, rmsprop_trajectory_inputs, rng_for,  # noqa: E402
                     write_case, write_rmsprop_family)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch")
RMSPROP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rmsprop")


def debian_torch_version():
    """torch.__version__ of Debian's build reads '1.13.0a0'; the package version is the real one."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


DEBIAN_TORCH = debian_torch_version()
SOURCE = (f"torch {DEBIAN_TORCH.split('+')[0]} (Debian python3-torch {DEBIAN_TORCH}; "
          f"torch.__version__ reads {torch.__version__}), numpy {np.__version__}, computed in float64")
WINDOW_SOURCE = "murine tests/reference/gen_torch_cases.py (spec connection-windows.md, double precision)"


# ---------------------------------------------------------------------------------------------
# Connection windows, as (ny, nx) 0/1 matrices: row = y node, column = x node.
# ---------------------------------------------------------------------------------------------

def window_2d(nx, ny, nx1, ny1, r):
    """form '2d': y node j kept for x node i when inside the circle of radius r (spec scan)."""
    if ny <= 1:
        return np.ones((ny, nx), np.uint8)
    window = np.zeros((ny, nx), np.uint8)
    nx2 = nx // nx1
    ny2 = ny // ny1
    r2 = r * r
    for i in range(nx):
        ox = (i % nx1) / nx1
        oy = (i // nx1) / nx2
        ky_lo = max(math.ceil((oy - r) * ny2), 0)
        ky_hi = min(math.ceil((oy + r) * ny2), ny2)
        for ky in range(ky_lo, ky_hi):
            t = ky / ny2 - oy
            d2 = r2 - t * t
            if d2 > 0:
                d = math.sqrt(d2)
                kx_lo = max(math.ceil((ox - d) * ny1), 0)
                kx_hi = min(math.ceil((ox + d) * ny1), ny1)
                for kx in range(kx_lo, kx_hi):
                    window[ky * ny1 + kx, i] = 1
    return window


def diagonal_halfbandwidth(nx, ny, p):
    return (nx * ny / math.sqrt(nx * nx + ny * ny)) * (1.0 - math.sqrt(p))


def window_diagonal(nx, ny, p, halfbandwidth=None):
    """form 'diagonal': a band of half width hb around the line x = rxy * y (spec scan)."""
    hb = diagonal_halfbandwidth(nx, ny, p) if halfbandwidth is None else halfbandwidth
    if ny <= 1:
        return np.ones((ny, nx), np.uint8)
    window = np.zeros((ny, nx), np.uint8)
    rxy = (nx - 1) / (ny - 1)
    hwdiv = hb * math.sqrt(rxy * rxy + 1)
    for iy in range(ny):
        lo = rxy * iy - hwdiv
        lo = math.trunc(lo) + 1 if lo >= 0 else 0
        if lo > nx - 1:
            continue
        hi = rxy * iy + hwdiv
        hi = math.ceil(hi) if hi < nx else nx
        window[iy, lo:hi] = 1
    return window


def channel_sides(layer, args):
    """(nx, ny) of the window for a masked layer; the transposed convolution swaps the roles."""
    if layer == "mLinear":
        return args["in_features"], args["out_features"]
    if layer == "mConv2d":
        return args["in_channels"] // args["groups"], args["out_channels"]
    if layer == "mConvTranspose2d":
        return args["out_channels"] // args["groups"], args["in_channels"]
    raise ValueError(layer)


def layer_window(layer, args):
    """The window in the weight's own layout: Linear (out, in), Conv (out, in/g, kh, kw),
    ConvTranspose (in, out/g, kh, kw). In each layout axis 0 is the y side and axis 1 the x side."""
    nx, ny = channel_sides(layer, args)
    if args["form"] == "2d":
        w = window_2d(nx, ny, args["input2d_width"], args["output2d_width"], args["window2d_width"])
    elif args["form"] == "diagonal":
        w = window_diagonal(nx, ny, args["param_reduction"])
    else:
        raise ValueError(args["form"])
    if layer == "mLinear":
        return w
    kh, kw = args["kernel_size"]
    return np.ascontiguousarray(np.broadcast_to(w[:, :, None, None], w.shape + (kh, kw)))


def usage_percent(window):
    return 100.0 * int(window.sum()) / window.size


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

def weight_shape(layer, a):
    if layer in ("Linear", "mLinear"):
        return (a["out_features"], a["in_features"])
    kh, kw = a["kernel_size"]
    if layer in ("Conv2d", "mConv2d"):
        return (a["out_channels"], a["in_channels"] // a["groups"], kh, kw)
    return (a["in_channels"], a["out_channels"] // a["groups"], kh, kw)


def forward(layer, a, x, w_eff, b):
    if layer in ("Linear", "mLinear"):
        return F.linear(x, w_eff, b)
    if layer in ("Conv2d", "mConv2d"):
        return F.conv2d(x, w_eff, b, a["stride"], a["padding"], a["dilation"], a["groups"])
    return F.conv_transpose2d(x, w_eff, b, a["stride"], a["padding"], a["output_padding"],
                              a["groups"], a["dilation"])


def with_defaults(layer, args):
    """The PyTorch defaults written out, so that every case.json names all its arguments."""
    a = dict(args)
    if layer not in ("Linear", "mLinear"):
        a.setdefault("stride", [1, 1])
        a.setdefault("padding", [0, 0])
        a.setdefault("dilation", [1, 1])
        a.setdefault("groups", 1)
        if layer in ("ConvTranspose2d", "mConvTranspose2d"):
            a.setdefault("output_padding", [0, 0])
    return a


def make_layer_case(name, layer, args, x_shape):
    """Forward and backward of one (masked or plain) Linear/Conv layer; writes the case."""
    rng = rng_for(name)
    a = with_defaults(layer, args)
    masked = layer.startswith("m")

    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.uniform(-1.0, 1.0, weight_shape(layer, a)) * 0.5).astype(np.float32)
    n_out = a["out_features"] if layer.endswith("Linear") else a["out_channels"]
    b = rng.uniform(-1.0, 1.0, n_out).astype(np.float32) if a["bias"] else None
    window = layer_window(layer, a) if masked else None

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True) if b is not None else None
    if masked:
        window_t = torch.tensor(window, dtype=torch.float64)  # a constant, not a Parameter
        w_eff = wt * window_t
    else:
        w_eff = wt
    y = forward(layer, a, xt, w_eff, bt)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    (y * torch.tensor(gy, dtype=torch.float64)).sum().backward()

    meta = {"layer": layer}
    meta.update(a)
    if masked:
        meta["usage_percent"] = usage_percent(window)
    meta["source"] = SOURCE
    arrays = {"x": x, "weight": w}
    if b is not None:
        arrays["bias"] = b
    if masked:
        arrays["window"] = window
        # murine's backward must give dL/dW = dL/dW_eff ⊙ window: check that autograd agrees.
        assert np.all(wt.grad.numpy()[window == 0] == 0)
    arrays.update({"y": y.detach().numpy(), "gy": gy, "gx": xt.grad.numpy(),
                   "gweight": wt.grad.numpy()})
    if b is not None:
        arrays["gbias"] = bt.grad.numpy()
    write_case(OUT_DIR, name, meta, arrays)


def make_window_case(name, layer, args, expected_usage=None):
    """Window-only case: case.json + window.npy (uint8)."""
    a = with_defaults(layer, args)
    window = layer_window(layer, a)
    assert window.shape == weight_shape(layer, a), (window.shape, weight_shape(layer, a))
    usage = usage_percent(window)
    if expected_usage is not None:
        assert usage == expected_usage, f"{name}: usage {usage!r} != {expected_usage!r}"
    meta = {"layer": layer}
    meta.update(a)
    meta["usage_percent"] = usage
    meta["source"] = WINDOW_SOURCE
    write_case(OUT_DIR, name, meta, {"window": window})
    return usage


def make_batchnorm_case(name, training, x_shape):
    """BatchNorm2d(C, eps=1e-5, momentum=0.1, affine): one call; running stats before and after."""
    rng = rng_for(name)
    c = x_shape[1]
    x = (rng.standard_normal(x_shape) * 1.5 + 0.3).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, c).astype(np.float32)
    beta = rng.uniform(-0.5, 0.5, c).astype(np.float32)
    running_mean = rng.uniform(-0.2, 0.2, c).astype(np.float32)
    running_var = rng.uniform(0.5, 1.5, c).astype(np.float32)

    bn = torch.nn.BatchNorm2d(c, eps=1e-5, momentum=0.1).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
        bn.running_mean.copy_(torch.tensor(running_mean))
        bn.running_var.copy_(torch.tensor(running_var))
    bn.train(training)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = bn(xt)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    (y * torch.tensor(gy, dtype=torch.float64)).sum().backward()

    if training:  # PyTorch: running_var uses the unbiased batch variance (n / (n - 1)).
        n = x.shape[0] * x.shape[2] * x.shape[3]
        xd = x.astype(np.float64)
        var_unbiased = xd.var(axis=(0, 2, 3)) * n / (n - 1)
        expect = 0.9 * running_var.astype(np.float64) + 0.1 * var_unbiased
        assert np.allclose(bn.running_var.numpy(), expect, rtol=1e-12, atol=0)

    meta = {"layer": "BatchNorm2d", "num_features": c, "eps": 1e-5, "momentum": 0.1,
            "affine": True, "track_running_stats": True, "training": training, "source": SOURCE}
    arrays = {"x": x, "weight": gamma, "bias": beta,
              "running_mean": running_mean, "running_var": running_var,
              "y": y.detach().numpy(),
              "running_mean_after": bn.running_mean.numpy(),
              "running_var_after": bn.running_var.numpy(),
              "gy": gy, "gx": xt.grad.numpy(), "gweight": bn.weight.grad.numpy(),
              "gbias": bn.bias.grad.numpy()}
    write_case(OUT_DIR, name, meta, arrays)


# ---------------------------------------------------------------------------------------------
# MaxPool2d
# ---------------------------------------------------------------------------------------------

def torch_pool_after_pad(n, k, s, p, ceil_mode):
    """The bottom/right pad that gives nn.MaxPool2d's output length with a floor division:
    floor or ceil((n + 2p - k)/s) + 1, and in ceil mode the last window must start inside the input
    or the left padding ((out - 1)*s < n + p), else it is dropped."""
    if not ceil_mode:
        return p
    out = -(-(n + 2 * p - k) // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return max((out - 1) * s + k - n - p, p)


def make_maxpool_case(name, x_shape, k, s, p, ceil_mode, ties=False):
    rng = rng_for(name)
    if ties:  # few distinct values, so windows hold tied maxima
        x = rng.integers(-1, 2, x_shape).astype(np.float32)
    else:
        x = rng.standard_normal(x_shape).astype(np.float32)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = F.max_pool2d(xt, k, s, p, ceil_mode=ceil_mode)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    (y * torch.tensor(gy, dtype=torch.float64)).sum().backward()

    # The documented conventions, re-derived: output size, -inf padding, first maximum on ties.
    h, w = x_shape[2:]
    pads = (p, torch_pool_after_pad(h, k, s, p, ceil_mode), p, torch_pool_after_pad(w, k, s, p, ceil_mode))
    y_ref, gx_ref = max_pool_reference(x.astype(np.float64), (k, k), (s, s), pads, gy.astype(np.float64))
    assert y_ref.shape == tuple(y.shape), (name, y_ref.shape, tuple(y.shape))
    assert np.array_equal(y_ref, y.detach().numpy()), name
    assert np.array_equal(gx_ref, xt.grad.numpy()), f"{name}: gradient is not at the first maximum"

    meta = {"layer": "MaxPool2d", "kernel_size": [k, k], "stride": [s, s], "padding": [p, p],
            "dilation": [1, 1], "ceil_mode": ceil_mode, "source": SOURCE}
    write_case(OUT_DIR, name, meta, {"x": x, "y": y.detach().numpy(), "gy": gy, "gx": xt.grad.numpy()})


# ---------------------------------------------------------------------------------------------
# torch.optim.RMSprop trajectories
# ---------------------------------------------------------------------------------------------

def rmsprop_entry(variant, lr, alpha, eps, weight_decay, momentum, centered, steps=5):
    file = f"torch_{variant}.safetensors"
    p0, grads = rmsprop_trajectory_inputs(file, steps=steps)
    param = torch.nn.Parameter(torch.tensor(p0))  # float32, as a model's weights
    opt = torch.optim.RMSprop([param], lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                              momentum=momentum, centered=centered, foreach=False)
    arrays = {"param_0": p0}
    for k, g in enumerate(grads, start=1):
        param.grad = torch.tensor(g)
        opt.step()
        arrays[f"grad_{k}"] = g
        arrays[f"param_{k}"] = param.detach().numpy().copy()
    assert np.all(arrays[f"param_{steps}"][:, -1] == 0), "the masked weight moved"
    meta = {"file": file, "framework": "torch", "convention": "torch", "lr": lr, "rho": alpha, "eps": eps,
            "momentum": momentum, "centered": centered, "weight_decay": weight_decay, "steps": steps,
            "source": SOURCE.replace("computed in float64", "computed in float32")}
    return meta, arrays


RMSPROP_CASES = [
    # variant, lr, alpha, eps, weight_decay, momentum, centered
    ("default", 1e-2, 0.99, 1e-8, 0.0, 0.0, False),
    ("momentum0.9", 1e-2, 0.99, 1e-8, 0.0, 0.9, False),
    ("centered", 1e-2, 0.99, 1e-8, 0.0, 0.0, True),
    ("centered_momentum0.5", 1e-3, 0.9, 1e-8, 0.0, 0.5, True),
    ("weight_decay0.1", 1e-2, 0.99, 1e-8, 0.1, 0.0, False),
]


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------

def conv(cin, cout, k, bias, **kw):
    d = {"in_channels": cin, "out_channels": cout, "kernel_size": list(k) if isinstance(k, (list, tuple)) else [k, k]}
    for key in ("stride", "padding", "dilation", "output_padding"):
        if key in kw:
            v = kw.pop(key)
            d[key] = list(v) if isinstance(v, (list, tuple)) else [v, v]
    d["groups"] = kw.pop("groups", 1)
    d["bias"] = bias
    d.update(kw)
    return d


def lin(nin, nout, bias, **kw):
    d = {"in_features": nin, "out_features": nout, "bias": bias}
    d.update(kw)
    return d


def two_d(nx1, ny1, r):
    return {"form": "2d", "input2d_width": nx1, "output2d_width": ny1, "window2d_width": r}


def diag(p):
    return {"form": "diagonal", "param_reduction": p}


LAYER_CASES = [
    # name, layer, args, x shape
    ("linear_bias", "Linear", lin(7, 5, True), (2, 7)),
    ("linear_nobias", "Linear", lin(6, 4, False), (2, 6)),
    ("linear_bias_n1", "Linear", lin(9, 3, True), (1, 9)),

    ("conv2d_k1_s1_p0_bias", "Conv2d", conv(3, 4, 1, True), (2, 3, 5, 6)),
    ("conv2d_k2_s2_p0_bias_even", "Conv2d", conv(3, 4, 2, True, stride=2), (2, 3, 6, 6)),
    ("conv2d_k3_s1_p1_bias_odd", "Conv2d", conv(3, 5, 3, True, padding=1), (2, 3, 7, 7)),
    ("conv2d_k3_s1_p0_nobias_odd", "Conv2d", conv(4, 3, 3, False), (1, 4, 7, 5)),
    ("conv2d_k3_s2_p1_bias_odd", "Conv2d", conv(3, 4, 3, True, stride=2, padding=1), (2, 3, 9, 9)),
    ("conv2d_k3_s2_p1_nobias_even", "Conv2d", conv(4, 4, 3, False, stride=2, padding=1), (2, 4, 8, 8)),
    ("conv2d_k4_s2_p1_nobias_even", "Conv2d", conv(3, 6, 4, False, stride=2, padding=1), (2, 3, 8, 8)),
    ("conv2d_k4_s2_p1_bias_odd", "Conv2d", conv(3, 4, 4, True, stride=2, padding=1), (2, 3, 9, 7)),
    ("conv2d_k4_s1_p0_nobias", "Conv2d", conv(4, 1, 4, False), (2, 4, 4, 4)),
    ("conv2d_k5_s1_p2_bias_odd", "Conv2d", conv(2, 3, 5, True, padding=2), (2, 2, 9, 7)),
    ("conv2d_k5_s2_p0_nobias_odd", "Conv2d", conv(2, 3, 5, False, stride=2), (1, 2, 9, 9)),
    ("conv2d_k5_s2_p2_bias_even", "Conv2d", conv(3, 2, 5, True, stride=2, padding=2), (2, 3, 8, 8)),
    ("conv2d_k3x5_s2x1_p1x2_bias", "Conv2d", conv(2, 3, (3, 5), True, stride=(2, 1), padding=(1, 2)), (2, 2, 7, 8)),
    ("conv2d_k3_s1_p2_d2_bias", "Conv2d", conv(3, 4, 3, True, padding=2, dilation=2), (2, 3, 8, 7)),
    ("conv2d_k3_s1_p1_g2_bias", "Conv2d", conv(4, 6, 3, True, padding=1, groups=2), (2, 4, 6, 5)),

    ("convtranspose2d_k1_s1_p0_bias", "ConvTranspose2d", conv(3, 4, 1, True), (2, 3, 4, 5)),
    ("convtranspose2d_k2_s2_p0_bias", "ConvTranspose2d", conv(3, 2, 2, True, stride=2), (2, 3, 3, 4)),
    ("convtranspose2d_k3_s1_p1_bias_odd", "ConvTranspose2d", conv(3, 4, 3, True, padding=1), (2, 3, 5, 5)),
    ("convtranspose2d_k3_s1_p0_nobias", "ConvTranspose2d", conv(2, 3, 3, False), (2, 2, 4, 3)),
    ("convtranspose2d_k3_s2_p0_bias_odd", "ConvTranspose2d", conv(3, 2, 3, True, stride=2), (2, 3, 3, 3)),
    ("convtranspose2d_k3_s2_p1_op1_bias", "ConvTranspose2d", conv(4, 3, 3, True, stride=2, padding=1, output_padding=1), (2, 4, 4, 3)),
    ("convtranspose2d_k4_s1_p0_nobias_1x1", "ConvTranspose2d", conv(6, 4, 4, False), (2, 6, 1, 1)),
    ("convtranspose2d_k4_s2_p1_nobias_even", "ConvTranspose2d", conv(4, 3, 4, False, stride=2, padding=1), (2, 4, 4, 4)),
    ("convtranspose2d_k4_s2_p1_bias_odd", "ConvTranspose2d", conv(3, 2, 4, True, stride=2, padding=1), (1, 3, 3, 5)),
    ("convtranspose2d_k5_s2_p2_op1_bias", "ConvTranspose2d", conv(3, 3, 5, True, stride=2, padding=2, output_padding=1), (2, 3, 4, 4)),
    ("convtranspose2d_k5_s1_p2_nobias_odd", "ConvTranspose2d", conv(2, 3, 5, False, padding=2), (1, 2, 5, 7)),
    ("convtranspose2d_k3x4_s1x2_p1x1_bias", "ConvTranspose2d", conv(2, 3, (3, 4), True, stride=(1, 2), padding=(1, 1)), (2, 2, 4, 3)),
    ("convtranspose2d_k3_s1_p2_d2_bias", "ConvTranspose2d", conv(3, 2, 3, True, padding=2, dilation=2), (2, 3, 5, 4)),
    ("convtranspose2d_k3_s2_p1_op1_g2_bias", "ConvTranspose2d", conv(4, 6, 3, True, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 3, 4)),

    # masked layers; raw weights are dense random values, so the window matters in forward.
    ("mlinear_2d_r0.4_bias", "mLinear", lin(8, 8, True, **two_d(4, 4, 0.4)), (2, 8)),
    ("mlinear_2d_r0.6_nobias", "mLinear", lin(8, 6, False, **two_d(4, 3, 0.6)), (2, 8)),
    ("mlinear_2d_r0.5_ytail_bias", "mLinear", lin(6, 7, True, **two_d(3, 3, 0.5)), (2, 6)),
    ("mlinear_2d_ny1_bias", "mLinear", lin(5, 1, True, **two_d(5, 1, 0.4)), (2, 5)),
    ("mlinear_diagonal_p0.5_bias", "mLinear", lin(9, 7, True, **diag(0.5)), (2, 9)),
    ("mlinear_diagonal_p0.25_nobias", "mLinear", lin(5, 8, False, **diag(0.25)), (2, 5)),
    ("mconv2d_2d_k3_s1_p1_bias", "mConv2d", conv(8, 8, 3, True, padding=1, **two_d(4, 4, 0.4)), (2, 8, 5, 5)),
    ("mconv2d_2d_k4_s2_p1_nobias", "mConv2d", conv(8, 6, 4, False, stride=2, padding=1, **two_d(4, 3, 0.5)), (2, 8, 8, 8)),
    ("mconv2d_2d_k3_s2_p1_g2_bias", "mConv2d", conv(8, 4, 3, True, stride=2, padding=1, groups=2, **two_d(2, 2, 0.5)), (1, 8, 7, 7)),
    ("mconv2d_diagonal_k3_s2_p1_bias", "mConv2d", conv(6, 8, 3, True, stride=2, padding=1, **diag(0.5)), (2, 6, 7, 7)),
    ("mconv2d_diagonal_k1_s1_p0_nobias", "mConv2d", conv(7, 5, 1, False, **diag(0.5)), (2, 7, 3, 4)),
    ("mconvtranspose2d_2d_k4_s2_p1_nobias", "mConvTranspose2d", conv(8, 4, 4, False, stride=2, padding=1, **two_d(2, 4, 0.4)), (2, 8, 3, 3)),
    ("mconvtranspose2d_2d_k3_s1_p1_bias", "mConvTranspose2d", conv(6, 8, 3, True, padding=1, **two_d(4, 3, 0.5)), (2, 6, 4, 5)),
    ("mconvtranspose2d_2d_k5_s2_p2_op1_bias", "mConvTranspose2d", conv(8, 8, 5, True, stride=2, padding=2, output_padding=1, **two_d(4, 4, 0.4)), (1, 8, 3, 4)),
    ("mconvtranspose2d_diagonal_k3_s2_p1_op1_bias", "mConvTranspose2d", conv(5, 7, 3, True, stride=2, padding=1, output_padding=1, **diag(0.5)), (2, 5, 3, 3)),
    ("mconvtranspose2d_diagonal_k4_s2_p1_g2_nobias", "mConvTranspose2d", conv(6, 8, 4, False, stride=2, padding=1, groups=2, **diag(0.5)), (1, 6, 3, 3)),
]

# Window-only cases. The first four are the spec's figures (asserted exactly).
DCGAN_CONVT = dict(stride=2, padding=1)
WINDOW_CASES = [
    ("window_mconvtranspose2d_512_256_k4_16_16_r0.4", "mConvTranspose2d",
     conv(512, 256, 4, False, **DCGAN_CONVT, **two_d(16, 16, 0.4)), 34.515380859375),
    ("window_mconvtranspose2d_256_128_k4_16_8_r0.4", "mConvTranspose2d",
     conv(256, 128, 4, False, **DCGAN_CONVT, **two_d(16, 8, 0.4)), 34.4970703125),
    ("window_mconvtranspose2d_128_64_k4_8_8_r0.4", "mConvTranspose2d",
     conv(128, 64, 4, False, **DCGAN_CONVT, **two_d(8, 8, 0.4)), 35.888671875),
    ("window_mlinear_1024_512_32_16_r0.4", "mLinear", lin(1024, 512, True, **two_d(32, 16, 0.4)),
     34.18846130371094),
    # The Keras DDIM's width-128 mouse convolution (2^round(log2(128)/2) = 16, Python rounds 3.5 to 4).
    ("window_mconv2d_128_128_k3_16_16_r0.4", "mConv2d",
     conv(128, 128, 3, True, padding=1, **two_d(16, 16, 0.4)), None),
    ("window_mconv2d_diagonal_64_96_k3_p0.5", "mConv2d", conv(64, 96, 3, True, padding=1, **diag(0.5)), None),
    ("window_mlinear_diagonal_100_60_p0.25", "mLinear", lin(100, 60, True, **diag(0.25)), None),
    ("window_mconvtranspose2d_diagonal_40_24_k4_p0.5", "mConvTranspose2d",
     conv(40, 24, 4, False, **DCGAN_CONVT, **diag(0.5)), None),
    ("window_mconvtranspose2d_2d_48_20_k3_r0.55", "mConvTranspose2d",
     conv(48, 20, 3, False, padding=1, **two_d(5, 8, 0.55)), None),
]

# name, x shape, kernel, stride, padding, ceil_mode
MAXPOOL_CASES = [
    ("maxpool2d_k2_s2_p0_even", (2, 3, 8, 8), 2, 2, 0, False),
    ("maxpool2d_k2_s2_p0_odd", (2, 2, 9, 7), 2, 2, 0, False),
    ("maxpool2d_k3_s2_p1_odd", (2, 2, 9, 9), 3, 2, 1, False),
    ("maxpool2d_k3_s2_p1_even", (1, 3, 8, 6), 3, 2, 1, False),
    ("maxpool2d_k3_s1_p1", (2, 2, 5, 7), 3, 1, 1, False),
    ("maxpool2d_k2_s2_p0_ceil_odd", (2, 2, 9, 7), 2, 2, 0, True),
    ("maxpool2d_k3_s2_p1_ceil_even", (1, 2, 8, 6), 3, 2, 1, True),
    # ceil mode where a last window would start in the right padding and is dropped
    ("maxpool2d_k3_s3_p1_ceil_drop", (1, 2, 5, 8), 3, 3, 1, True),
    ("maxpool2d_k3_s1_p1_ties", (2, 2, 6, 5), 3, 1, 1, False),
]

BATCHNORM_CASES = [
    ("batchnorm2d_train", True, (2, 3, 4, 5)),
    ("batchnorm2d_eval", False, (2, 3, 4, 5)),
]


def main():
    torch.set_grad_enabled(True)
    clear_family(OUT_DIR)
    counts = {}
    for name, layer, args, x_shape in LAYER_CASES:
        make_layer_case(name, layer, args, x_shape)
        counts[layer] = counts.get(layer, 0) + 1
    for name, layer, args, expected in WINDOW_CASES:
        usage = make_window_case(name, layer, args, expected)
        counts["window-only"] = counts.get("window-only", 0) + 1
        print(f"{name}: usage {usage!r} %")
    for name, training, x_shape in BATCHNORM_CASES:
        make_batchnorm_case(name, training, x_shape)
        counts["BatchNorm2d"] = counts.get("BatchNorm2d", 0) + 1
    for name, x_shape, k, s, p, ceil_mode in MAXPOOL_CASES:
        make_maxpool_case(name, x_shape, k, s, p, ceil_mode, ties=name.endswith("_ties"))
        counts["MaxPool2d"] = counts.get("MaxPool2d", 0) + 1
    write_rmsprop_family(RMSPROP_DIR, "torch", [rmsprop_entry(*c) for c in RMSPROP_CASES])
    print(f"torch.optim.RMSprop: {len(RMSPROP_CASES)} trajectories in {RMSPROP_DIR}")
    print(SOURCE)
    for kind, n in counts.items():
        print(f"{kind}: {n}")
    print(f"total: {sum(counts.values())} torch cases in {OUT_DIR}")


if __name__ == "__main__":
    main()
