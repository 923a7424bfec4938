#!/usr/bin/env python3
"""Generate the Keras 3 reference cases under tests/reference/keras/.

Run with a python that has keras and jax[cpu] (see requirements-keras.txt):
    KERAS_BACKEND=jax python3 tests/reference/gen_keras_cases.py

Layers: Dense, Conv2D, Conv2DTranspose (stored as Linear / Conv2d / ConvTranspose2d in PyTorch
layouts, with Keras' "same"/"valid" padding), BatchNormalization, GroupNormalization,
UpSampling2D, AveragePooling2D, MaxPooling2D, GlobalAveragePooling2D and SpectralNormalization
(README.md gives their case format). Also the keras.optimizers.RMSprop trajectories of
../rmsprop/keras_*.safetensors.

Everything runs in float64 (jax_enable_x64, floatx float64) on float32-representable inputs and is
stored as float32. Gradients: jax.grad of L = sum(y * gy) through the layer's stateless_call.
Each documented convention (padding splits, pooling counts, bilinear sampling, BN updates, the
spectral norm power iteration) is re-derived here in numpy and asserted against Keras.
"""
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refcase import (clear_family, max_pool_reference, rmsprop_trajectory_inputs, rng_for,  # noqa: E402
                     write_case, write_rmsprop_family)

keras.config.set_floatx("float64")
assert keras.backend.backend() == "jax"

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras")
RMSPROP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rmsprop")
SOURCE = (f"keras {keras.__version__} (jax {jax.__version__} backend, CPU), "
          f"numpy {np.__version__}, computed in float64")
# Keras' BatchNormalization and GroupNormalization compute in backend.result_type(input, "float32"),
# which Keras 3 resolves to float32 even for float64 input: their references carry float32 rounding.
SOURCE_NORM = SOURCE.replace("computed in float64", "computed in float64 except the normalization, "
                             "which Keras runs in float32")
NORM_TOL = 1e-6
layers = keras.layers


# ---------------------------------------------------------------------------------------------
# Layout helpers: cases are stored channels-first with PyTorch weight layouts.
# ---------------------------------------------------------------------------------------------

def to_nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if x.ndim == 4 else x


def to_nchw(y):
    y = np.asarray(y)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) if y.ndim == 4 else y


def kernel_to_keras(weight):
    """PyTorch Linear (out, in) -> Keras (in, out); Conv2d (out, in, kh, kw) -> (kh, kw, in, out);
    ConvTranspose2d (in, out, kh, kw) -> Keras Conv2DTranspose (kh, kw, out, in)."""
    return weight.T if weight.ndim == 2 else weight.transpose(2, 3, 1, 0)


def kernel_from_keras(kernel):
    kernel = np.asarray(kernel)
    return kernel.T if kernel.ndim == 2 else kernel.transpose(3, 2, 0, 1)


def same_pads(n, k, s):
    """TensorFlow/Keras 'same' for a convolution or pooling window: (before, after)."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------------------------------------
# Running a layer: forward, updated state and gradients
# ---------------------------------------------------------------------------------------------

def set_variables(layer, values):
    """Assign layer variables by their short name (kernel, bias, gamma, beta, moving_mean, ...)."""
    by_name = {v.name: v for v in layer.weights}
    for name, value in values.items():
        by_name[name].assign(np.asarray(value, np.float64))


def run_layer(layer, x, gy_rng, training=None):
    """Return y, gy, gx, {trainable name: grad}, {non-trainable name: value after the call}."""
    trainable = layer.trainable_variables
    non_trainable = layer.non_trainable_variables
    tv = [jnp.asarray(v.value) for v in trainable]
    ntv = [jnp.asarray(v.value) for v in non_trainable]
    kwargs = {} if training is None else {"training": training}

    def call(xv, tvv):
        return layer.stateless_call(tvv, ntv, xv, **kwargs)

    xj = jnp.asarray(x, jnp.float64)
    y, ntv_after = call(xj, tv)
    gy = gy_rng.standard_normal(y.shape).astype(np.float32)
    gyj = jnp.asarray(gy, jnp.float64)

    def loss(xv, tvv):
        return jnp.sum(call(xv, tvv)[0] * gyj)

    gx, gtv = jax.grad(loss, argnums=(0, 1))(xj, tv)
    grads = {v.name: np.asarray(g) for v, g in zip(trainable, gtv)}
    after = {v.name: np.asarray(a) for v, a in zip(non_trainable, ntv_after)}
    return np.asarray(y), gy, np.asarray(gx), grads, after


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)


def assert_close(a, b, what, tol=1e-12):
    err = rel_err(a, b)
    assert err <= tol, f"{what}: relative error {err}"


# ---------------------------------------------------------------------------------------------
# Dense, Conv2D, Conv2DTranspose
# ---------------------------------------------------------------------------------------------

def check_conv_transpose_is_adjoint(kernel, x_nhwc, y_nhwc, strides, padding):
    """Keras Conv2DTranspose(padding) == adjoint (vjp) of Keras Conv2D with the same kernel,
    strides and padding, on an input the size of the transposed output; and Keras Conv2D 'same'
    == explicit zero padding (before, after) = same_pads(), extra pixel at the end."""
    z = jnp.zeros(y_nhwc.shape[:3] + (kernel.shape[2],), jnp.float64)

    def fwd_conv(zv):
        return keras.ops.conv(zv, kernel, strides=strides, padding=padding)

    out, vjp = jax.vjp(fwd_conv, z)
    assert out.shape == x_nhwc.shape, (out.shape, x_nhwc.shape)
    (adjoint,) = vjp(jnp.asarray(x_nhwc, jnp.float64))
    assert_close(y_nhwc, adjoint, "Conv2DTranspose vs adjoint of Conv2D")
    if padding == "same":
        kh, kw = kernel.shape[:2]
        pads = [same_pads(z.shape[1], kh, strides), same_pads(z.shape[2], kw, strides)]
        zr = jnp.asarray(np.random.default_rng(0).standard_normal(z.shape))
        explicit = jax.lax.conv_general_dilated(zr, kernel, (strides, strides), pads,
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))
        assert_close(fwd_conv(zr), explicit, "Conv2D 'same' vs explicit padding")


def make_dense_case(name, nin, nout, bias, n=2):
    rng = rng_for(name)
    x = rng.standard_normal((n, nin)).astype(np.float32)
    w = (rng.uniform(-1, 1, (nout, nin)) * 0.5).astype(np.float32)
    b = rng.uniform(-1, 1, nout).astype(np.float32) if bias else None
    layer = layers.Dense(nout, use_bias=bias)
    layer.build((n, nin))
    set_variables(layer, {"kernel": kernel_to_keras(w), **({"bias": b} if bias else {})})
    y, gy, gx, grads, _ = run_layer(layer, x, rng)
    meta = {"layer": "Linear", "keras_layer": "Dense", "in_features": nin, "out_features": nout,
            "bias": bias, "source": SOURCE}
    arrays = {"x": x, "weight": w}
    if bias:
        arrays["bias"] = b
    arrays.update({"y": y, "gy": gy, "gx": gx, "gweight": kernel_from_keras(grads["kernel"])})
    if bias:
        arrays["gbias"] = grads["bias"]
    write_case(OUT_DIR, name, meta, arrays)


def make_conv_case(name, transposed, cin, cout, k, s, padding, bias, hw, n=2):
    rng = rng_for(name)
    x = rng.standard_normal((n, cin) + hw).astype(np.float32)
    wshape = (cin, cout, k, k) if transposed else (cout, cin, k, k)
    w = (rng.uniform(-1, 1, wshape) * 0.5).astype(np.float32)
    b = rng.uniform(-1, 1, cout).astype(np.float32) if bias else None
    cls = layers.Conv2DTranspose if transposed else layers.Conv2D
    layer = cls(cout, k, strides=s, padding=padding, use_bias=bias)
    layer.build((n,) + hw + (cin,))
    set_variables(layer, {"kernel": kernel_to_keras(w), **({"bias": b} if bias else {})})
    y, gy, gx, grads, _ = run_layer(layer, to_nhwc(x), rng)

    if transposed:
        y_no_bias = y - (b if bias else 0.0)
        check_conv_transpose_is_adjoint(jnp.asarray(kernel_to_keras(w), jnp.float64),
                                        to_nhwc(x), y_no_bias, s, padding)
        expect = [hw[0] * s, hw[1] * s] if padding == "same" else [(d - 1) * s + max(k, s) for d in hw]
        assert list(y.shape[1:3]) == expect, (y.shape, expect)

    meta = {"layer": "ConvTranspose2d" if transposed else "Conv2d",
            "keras_layer": "Conv2DTranspose" if transposed else "Conv2D",
            "in_channels": cin, "out_channels": cout, "kernel_size": [k, k], "stride": [s, s],
            "padding": padding, "dilation": [1, 1], "groups": 1, "bias": bias, "source": SOURCE}
    arrays = {"x": x, "weight": w}
    if bias:
        arrays["bias"] = b
    arrays.update({"y": to_nchw(y), "gy": to_nchw(gy), "gx": to_nchw(gx),
                   "gweight": kernel_from_keras(grads["kernel"])})
    if bias:
        arrays["gbias"] = grads["bias"]
    write_case(OUT_DIR, name, meta, arrays)


# ---------------------------------------------------------------------------------------------
# Normalization, resampling and pooling layers
# ---------------------------------------------------------------------------------------------

def make_batchnorm_case(name, x_shape, training):
    rng = rng_for(name)
    c = x_shape[1]
    x = (rng.standard_normal(x_shape) * 1.5 + 0.3).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, c).astype(np.float32)
    beta = rng.uniform(-0.5, 0.5, c).astype(np.float32)
    mean0 = rng.uniform(-0.2, 0.2, c).astype(np.float32)
    var0 = rng.uniform(0.5, 1.5, c).astype(np.float32)
    layer = layers.BatchNormalization(momentum=0.99, epsilon=1e-3)
    layer.build(to_nhwc(x).shape)
    set_variables(layer, {"gamma": gamma, "beta": beta, "moving_mean": mean0, "moving_variance": var0})
    y, gy, gx, grads, after = run_layer(layer, to_nhwc(x), rng, training=training)

    # The documented conventions, re-derived.
    axes = (0, 2, 3) if x.ndim == 4 else (0,)
    shape = (1, c, 1, 1) if x.ndim == 4 else (1, c)
    xd = x.astype(np.float64)
    if training:
        mean, var = xd.mean(axis=axes), xd.var(axis=axes)  # biased variance, both uses
        assert_close(after["moving_mean"], 0.99 * mean0.astype(np.float64) + 0.01 * mean,
                     "BN moving_mean", NORM_TOL)
        assert_close(after["moving_variance"], 0.99 * var0.astype(np.float64) + 0.01 * var,
                     "BN moving_variance", NORM_TOL)
    else:
        mean, var = mean0.astype(np.float64), var0.astype(np.float64)
        assert np.array_equal(after["moving_mean"], mean0) and np.array_equal(after["moving_variance"], var0)
    expect = ((xd - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-3)
              * gamma.astype(np.float64).reshape(shape) + beta.astype(np.float64).reshape(shape))
    assert_close(to_nchw(y), expect, "BN forward", NORM_TOL)

    meta = {"layer": "BatchNormalization", "num_features": c, "axis": 1, "momentum": 0.99,
            "epsilon": 1e-3, "center": True, "scale": True, "training": training, "source": SOURCE_NORM}
    arrays = {"x": x, "weight": gamma, "bias": beta, "running_mean": mean0, "running_var": var0,
              "y": to_nchw(y), "running_mean_after": after["moving_mean"],
              "running_var_after": after["moving_variance"],
              "gy": to_nchw(gy), "gx": to_nchw(gx), "gweight": grads["gamma"], "gbias": grads["beta"]}
    write_case(OUT_DIR, name, meta, arrays)


def make_groupnorm_case(name, x_shape, groups):
    rng = rng_for(name)
    c = x_shape[1]
    x = (rng.standard_normal(x_shape) * 1.3 - 0.2).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, c).astype(np.float32)
    beta = rng.uniform(-0.5, 0.5, c).astype(np.float32)
    layer = layers.GroupNormalization(groups=groups, epsilon=1e-3)
    layer.build(to_nhwc(x).shape)
    set_variables(layer, {"gamma": gamma, "beta": beta})
    y, gy, gx, grads, _ = run_layer(layer, to_nhwc(x), rng)

    n = x.shape[0]
    xg = x.astype(np.float64).reshape(n, groups, -1)
    norm = (xg - xg.mean(axis=2, keepdims=True)) / np.sqrt(xg.var(axis=2, keepdims=True) + 1e-3)
    expect = (norm.reshape(x.shape) * gamma.astype(np.float64).reshape(1, c, 1, 1)
              + beta.astype(np.float64).reshape(1, c, 1, 1))
    assert_close(to_nchw(y), expect, "GroupNormalization forward", NORM_TOL)

    meta = {"layer": "GroupNormalization", "num_channels": c, "groups": groups, "axis": 1,
            "epsilon": 1e-3, "center": True, "scale": True, "source": SOURCE_NORM}
    arrays = {"x": x, "weight": gamma, "bias": beta, "y": to_nchw(y), "gy": to_nchw(gy),
              "gx": to_nchw(gx), "gweight": grads["gamma"], "gbias": grads["beta"]}
    write_case(OUT_DIR, name, meta, arrays)


def bilinear_upsample_axis(x, axis, factor):
    """Half-pixel centres, source coordinate clamped to [0, n-1], no antialias."""
    n = x.shape[axis]
    src = (np.arange(n * factor) + 0.5) / factor - 0.5
    src = np.clip(src, 0.0, n - 1)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    t = src - i0
    shape = [1] * x.ndim
    shape[axis] = -1
    return np.take(x, i0, axis) * (1 - t).reshape(shape) + np.take(x, i1, axis) * t.reshape(shape)


def make_upsampling_case(name, x_shape, interpolation):
    rng = rng_for(name)
    x = rng.standard_normal(x_shape).astype(np.float32)
    layer = layers.UpSampling2D(size=2, interpolation=interpolation)
    layer.build(to_nhwc(x).shape)
    y, gy, gx, _, _ = run_layer(layer, to_nhwc(x), rng)
    xd = x.astype(np.float64)
    if interpolation == "nearest":
        expect = xd.repeat(2, axis=2).repeat(2, axis=3)
    else:
        expect = bilinear_upsample_axis(bilinear_upsample_axis(xd, 2, 2), 3, 2)
    assert_close(to_nchw(y), expect, f"UpSampling2D {interpolation}")
    meta = {"layer": "UpSampling2D", "size": [2, 2], "interpolation": interpolation, "source": SOURCE}
    write_case(OUT_DIR, name, meta, {"x": x, "y": to_nchw(y), "gy": to_nchw(gy), "gx": to_nchw(gx)})


def average_pool_reference(x, k, s, padding):
    """Average over the window's cells that lie inside the input (padding cells excluded)."""
    n, c, h, w = x.shape
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(h, k, s), same_pads(w, k, s)
    else:
        pt = pb = pl = pr = 0
    xp = np.full((n, c, h + pt + pb, w + pl + pr), np.nan)
    xp[:, :, pt:pt + h, pl:pl + w] = x
    oh, ow = (xp.shape[2] - k) // s + 1, (xp.shape[3] - k) // s + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = np.nanmean(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


def make_avgpool_case(name, x_shape, k, s, padding):
    rng = rng_for(name)
    x = rng.standard_normal(x_shape).astype(np.float32)
    layer = layers.AveragePooling2D(pool_size=k, strides=s, padding=padding)
    layer.build(to_nhwc(x).shape)
    y, gy, gx, _, _ = run_layer(layer, to_nhwc(x), rng)
    assert_close(to_nchw(y), average_pool_reference(x.astype(np.float64), k, s, padding),
                 f"AveragePooling2D {padding}")
    meta = {"layer": "AveragePooling2D", "pool_size": [k, k], "strides": [s, s], "padding": padding,
            "source": SOURCE}
    write_case(OUT_DIR, name, meta, {"x": x, "y": to_nchw(y), "gy": to_nchw(gy), "gx": to_nchw(gx)})


def make_maxpool_case(name, x_shape, k, s, padding, ties=False):
    rng = rng_for(name)
    if ties:  # few distinct values, so windows hold tied maxima
        x = rng.integers(-1, 2, x_shape).astype(np.float32)
    else:
        x = rng.standard_normal(x_shape).astype(np.float32)
    layer = layers.MaxPooling2D(pool_size=k, strides=s, padding=padding)
    layer.build(to_nhwc(x).shape)
    y, gy, gx, _, _ = run_layer(layer, to_nhwc(x), rng)
    # Re-derived: "same" pads as Conv2d (extra at the end) and never wins; first maximum on ties.
    h, w = x_shape[2:]
    pads = same_pads(h, k, s) + same_pads(w, k, s) if padding == "same" else (0, 0, 0, 0)
    y_ref, gx_ref = max_pool_reference(x.astype(np.float64), (k, k), (s, s), pads,
                                       to_nchw(gy).astype(np.float64))
    assert np.array_equal(y_ref, to_nchw(y)), name
    assert np.array_equal(gx_ref, to_nchw(gx)), f"{name}: gradient is not at the first maximum"
    meta = {"layer": "MaxPooling2D", "pool_size": [k, k], "strides": [s, s], "padding": padding,
            "source": SOURCE}
    write_case(OUT_DIR, name, meta, {"x": x, "y": to_nchw(y), "gy": to_nchw(gy), "gx": to_nchw(gx)})


def make_global_avgpool_case(name, x_shape):
    rng = rng_for(name)
    x = rng.standard_normal(x_shape).astype(np.float32)
    layer = layers.GlobalAveragePooling2D()  # keepdims=False: (N, C)
    layer.build(to_nhwc(x).shape)
    y, gy, gx, _, _ = run_layer(layer, to_nhwc(x), rng)
    assert y.shape == x_shape[:2]
    # keras.ops.mean computes in result_type(x, "float32"), float32 even for float64 input (as the
    # normalizations): the reference carries float32 rounding.
    assert_close(y, x.astype(np.float64).mean(axis=(2, 3)), "GlobalAveragePooling2D", NORM_TOL)
    source = SOURCE.replace("computed in float64", "computed in float64 except the mean, which Keras runs in float32")
    meta = {"layer": "GlobalAveragePooling2D", "keepdims": False, "source": source}
    write_case(OUT_DIR, name, meta, {"x": x, "y": y, "gy": gy, "gx": to_nchw(gx)})


# ---------------------------------------------------------------------------------------------
# keras.optimizers.RMSprop trajectories
# ---------------------------------------------------------------------------------------------

def rmsprop_entry(variant, lr, rho, eps, momentum, centered, steps=5):
    file = f"keras_{variant}.safetensors"
    p0, grads = rmsprop_trajectory_inputs(file, steps=steps)
    keras.config.set_floatx("float32")  # the optimizer's own variables in float32, as in training
    try:
        var = keras.Variable(p0, dtype="float32")
        opt = keras.optimizers.RMSprop(learning_rate=lr, rho=rho, epsilon=eps, momentum=momentum,
                                       centered=centered)
        arrays = {"param_0": p0}
        for k, g in enumerate(grads, start=1):
            opt.apply([jnp.asarray(g)], [var])
            arrays[f"grad_{k}"] = g
            arrays[f"param_{k}"] = np.asarray(var.value).astype(np.float32)
    finally:
        keras.config.set_floatx("float64")
    assert arrays[f"param_{steps}"].dtype == np.float32
    assert np.all(arrays[f"param_{steps}"][:, -1] == 0), "the masked weight moved"
    meta = {"file": file, "framework": "keras", "convention": "keras", "lr": lr, "rho": rho, "eps": eps,
            "momentum": momentum, "centered": centered, "steps": steps,
            "source": SOURCE.replace("computed in float64", "computed in float32")}
    return meta, arrays


RMSPROP_CASES = [
    # variant, learning_rate, rho, epsilon, momentum, centered
    ("default", 1e-3, 0.9, 1e-7, 0.0, False),
    ("momentum0.9", 1e-3, 0.9, 1e-7, 0.9, False),
    ("centered", 1e-3, 0.9, 1e-7, 0.0, True),
    ("centered_momentum0.5", 1e-3, 0.9, 1e-7, 0.5, True),
    ("lr1e-4", 1e-4, 0.9, 1e-7, 0.0, False),  # the paper's CIFAR-10 learning rate
]


# ---------------------------------------------------------------------------------------------
# SpectralNormalization
# ---------------------------------------------------------------------------------------------

def power_iteration_reference(weight_matrix, u):
    """One Keras power iteration; weight_matrix is (K, out) with rows in any order."""
    def normalize(v):
        return v * min(1.0 / np.sqrt(np.sum(v * v)), 1.0 / 1e-7)
    v = normalize(u @ weight_matrix.T)
    u_new = normalize(v @ weight_matrix)
    sigma = float(v @ weight_matrix @ u_new)
    return u_new, sigma


def make_spectralnorm_case(name, wrapped, training, x_shape, **conv_args):
    rng = rng_for(name)
    x = rng.standard_normal(x_shape).astype(np.float32)
    if wrapped == "Linear":
        nin, nout = x_shape[1], conv_args["units"]
        w = (rng.uniform(-1, 1, (nout, nin)) * 0.5).astype(np.float32)
        inner = layers.Dense(nout)
        keras_in_shape = x_shape
    else:
        cin, cout, k, s, padding = (x_shape[1], conv_args["filters"], conv_args["kernel_size"],
                                    conv_args["strides"], conv_args["padding"])
        w = (rng.uniform(-1, 1, (cout, cin, k, k)) * 0.5).astype(np.float32)
        inner = layers.Conv2D(cout, k, strides=s, padding=padding)
        keras_in_shape = to_nhwc(x).shape
        nout = cout
    b = rng.uniform(-1, 1, nout).astype(np.float32)
    u0 = (rng.standard_normal(nout) * 0.02).astype(np.float32)

    layer = layers.SpectralNormalization(inner, power_iterations=1)
    layer.build(keras_in_shape)
    set_variables(layer, {"kernel": kernel_to_keras(w), "bias": b, "vector_u": u0[None, :]})
    # Gradients (gx, gbias) through the stateless call, before the eager call changes the state.
    y_stateless, gy, gx, grads, after = run_layer(layer, to_nhwc(x), rng, training=training)
    # The eager call: Keras assigns vector_u and, in training, kernel <- kernel / sigma.
    y = np.asarray(layer(to_nhwc(x), training=training))
    assert_close(y_stateless, y, "SpectralNormalization stateless vs eager")
    u_after = np.asarray(layer.vector_u.value)[0]
    kernel_after = kernel_from_keras(layer.layer.kernel.value)
    assert_close(after["vector_u"][0], u_after, "vector_u stateless vs eager")

    matrix = kernel_to_keras(w).reshape(-1, nout).astype(np.float64)
    if training:
        u_ref, sigma = power_iteration_reference(matrix, u0.astype(np.float64))
        assert_close(u_after, u_ref, "power iteration u")
        assert_close(kernel_after, w.astype(np.float64) / sigma, "normalized kernel")
    else:
        sigma = None
        assert np.array_equal(u_after, u0) and np.array_equal(kernel_after, w)

    meta = {"layer": "SpectralNormalization", "wrapped_layer": wrapped}
    if wrapped == "Linear":
        meta.update({"in_features": nin, "out_features": nout, "bias": True})
    else:
        meta.update({"in_channels": cin, "out_channels": cout, "kernel_size": [k, k],
                     "stride": [s, s], "padding": padding, "dilation": [1, 1], "groups": 1,
                     "bias": True})
    meta.update({"power_iterations": 1, "training": training, "source": SOURCE})
    arrays = {"x": x, "weight": w, "bias": b, "u": u0, "y": to_nchw(y), "u_after": u_after,
              "weight_after": kernel_after}
    if training:
        arrays["sigma"] = np.array([sigma])
    arrays.update({"gy": to_nchw(gy), "gx": to_nchw(gx), "gbias": grads["bias"]})
    write_case(OUT_DIR, name, meta, arrays)


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------

DENSE_CASES = [("dense_bias", 7, 5, True), ("dense_nobias", 6, 4, False)]

# name, transposed, cin, cout, k, stride, padding, bias, (H, W)
CONV_CASES = [
    ("conv2d_k1_s1_valid_bias", False, 3, 4, 1, 1, "valid", True, (5, 5)),
    ("conv2d_k3_s1_same_bias_odd", False, 3, 4, 3, 1, "same", True, (7, 7)),
    ("conv2d_k3_s1_same_bias_even", False, 3, 4, 3, 1, "same", True, (6, 8)),
    ("conv2d_k3_s2_same_bias_even", False, 3, 4, 3, 2, "same", True, (8, 8)),
    ("conv2d_k3_s2_same_bias_odd", False, 3, 4, 3, 2, "same", True, (9, 9)),
    ("conv2d_k4_s1_same_bias_odd", False, 3, 2, 4, 1, "same", True, (7, 7)),
    ("conv2d_k4_s2_same_bias_even", False, 3, 4, 4, 2, "same", True, (8, 8)),
    ("conv2d_k4_s2_same_bias_odd", False, 3, 4, 4, 2, "same", True, (9, 7)),
    ("conv2d_k5_s1_same_bias_even", False, 2, 3, 5, 1, "same", True, (6, 6)),
    ("conv2d_k5_s2_same_bias_even", False, 2, 3, 5, 2, "same", True, (8, 8)),
    ("conv2d_k5_s2_same_bias_odd", False, 2, 3, 5, 2, "same", True, (9, 9)),
    ("conv2d_k3_s1_valid_bias_odd", False, 3, 4, 3, 1, "valid", True, (7, 5)),
    ("conv2d_k3_s2_valid_bias_even", False, 3, 4, 3, 2, "valid", True, (8, 8)),
    ("conv2d_k4_s2_valid_bias_odd", False, 3, 4, 4, 2, "valid", True, (9, 9)),
    ("conv2d_k5_s2_valid_nobias_even", False, 2, 3, 5, 2, "valid", False, (8, 8)),
    ("conv2d_k4_s2_same_nobias_odd", False, 3, 5, 4, 2, "same", False, (7, 9)),

    ("conv2dtranspose_k3_s1_same_bias_odd", True, 3, 4, 3, 1, "same", True, (5, 5)),
    ("conv2dtranspose_k3_s2_same_bias_odd", True, 3, 2, 3, 2, "same", True, (3, 3)),
    ("conv2dtranspose_k3_s2_same_bias_even", True, 3, 2, 3, 2, "same", True, (4, 2)),
    ("conv2dtranspose_k4_s1_same_bias_even", True, 3, 2, 4, 1, "same", True, (4, 4)),
    ("conv2dtranspose_k4_s2_same_bias_even", True, 4, 3, 4, 2, "same", True, (4, 4)),
    ("conv2dtranspose_k4_s2_same_bias_odd", True, 3, 2, 4, 2, "same", True, (3, 3)),
    ("conv2dtranspose_k5_s1_same_nobias_odd", True, 2, 3, 5, 1, "same", False, (5, 3)),
    ("conv2dtranspose_k5_s2_same_bias_even", True, 4, 3, 5, 2, "same", True, (4, 4)),
    ("conv2dtranspose_k5_s2_same_bias_odd", True, 3, 2, 5, 2, "same", True, (3, 5)),
    ("conv2dtranspose_k3_s1_valid_bias_even", True, 3, 2, 3, 1, "valid", True, (4, 4)),
    ("conv2dtranspose_k3_s2_valid_bias_odd", True, 3, 2, 3, 2, "valid", True, (3, 3)),
    ("conv2dtranspose_k4_s2_valid_bias_even", True, 2, 3, 4, 2, "valid", True, (2, 4)),
    ("conv2dtranspose_k5_s2_valid_nobias_odd", True, 2, 2, 5, 2, "valid", False, (3, 3)),
]

BATCHNORM_CASES = [
    ("batchnormalization_train_nchw", (2, 3, 4, 5), True),
    ("batchnormalization_inference_nchw", (2, 3, 4, 5), False),
    # The DCGAN generator's Dense -> BatchNormalization, on (N, F); N = 4 so the batch statistics
    # are not the degenerate two-sample ones.
    ("batchnormalization_train_dense", (4, 6), True),
    ("batchnormalization_inference_dense", (4, 6), False),
]

GROUPNORM_CASES = [
    ("groupnormalization_g2_c4", (2, 4, 5, 6), 2),
    ("groupnormalization_g4_c8", (2, 8, 3, 3), 4),
    ("groupnormalization_g8_c8", (1, 8, 4, 4), 8),
    ("groupnormalization_g1_c3", (2, 3, 4, 4), 1),
]

UPSAMPLING_CASES = [
    ("upsampling2d_nearest_even", (2, 3, 4, 4), "nearest"),
    ("upsampling2d_nearest_odd", (1, 2, 3, 5), "nearest"),
    ("upsampling2d_bilinear_even", (2, 3, 4, 4), "bilinear"),
    ("upsampling2d_bilinear_odd", (1, 2, 3, 5), "bilinear"),
    ("upsampling2d_bilinear_1x2", (1, 2, 1, 2), "bilinear"),
]

AVGPOOL_CASES = [
    ("averagepooling2d_p2_s2_valid_even", (2, 3, 8, 8), 2, 2, "valid"),
    ("averagepooling2d_p2_s2_valid_odd", (1, 2, 9, 7), 2, 2, "valid"),
    ("averagepooling2d_p2_s2_same_even", (2, 2, 6, 6), 2, 2, "same"),
    ("averagepooling2d_p2_s2_same_odd", (2, 3, 9, 7), 2, 2, "same"),
    ("averagepooling2d_p3_s2_same_odd", (1, 2, 9, 9), 3, 2, "same"),
    ("averagepooling2d_p3_s2_same_even", (1, 2, 8, 6), 3, 2, "same"),
]

MAXPOOL_CASES = [
    ("maxpooling2d_p2_s2_valid_even", (2, 3, 8, 8), 2, 2, "valid"),
    ("maxpooling2d_p2_s2_valid_odd", (1, 2, 9, 7), 2, 2, "valid"),
    ("maxpooling2d_p2_s2_same_even", (2, 2, 6, 6), 2, 2, "same"),
    ("maxpooling2d_p2_s2_same_odd", (2, 3, 9, 7), 2, 2, "same"),
    ("maxpooling2d_p3_s2_same_odd", (1, 2, 9, 9), 3, 2, "same"),
    ("maxpooling2d_p3_s2_valid_odd", (1, 2, 9, 7), 3, 2, "valid"),
    ("maxpooling2d_p3_s1_same_ties", (2, 2, 5, 6), 3, 1, "same"),
]

GLOBAL_AVGPOOL_CASES = [
    ("globalaveragepooling2d_even", (2, 3, 4, 4)),
    ("globalaveragepooling2d_odd", (1, 5, 3, 7)),
]

SPECTRALNORM_CASES = [
    ("spectralnormalization_conv2d_k4_s2_same_train", "Conv2d", True, (2, 3, 8, 8),
     dict(filters=4, kernel_size=4, strides=2, padding="same")),
    ("spectralnormalization_conv2d_k3_s1_same_train_odd", "Conv2d", True, (1, 2, 5, 5),
     dict(filters=5, kernel_size=3, strides=1, padding="same")),
    ("spectralnormalization_conv2d_k4_s2_same_inference", "Conv2d", False, (2, 3, 8, 8),
     dict(filters=4, kernel_size=4, strides=2, padding="same")),
    ("spectralnormalization_dense_train", "Linear", True, (2, 6), dict(units=4)),
]


def main():
    clear_family(OUT_DIR)
    counts = {}

    def count(kind):
        counts[kind] = counts.get(kind, 0) + 1

    for name, nin, nout, bias in DENSE_CASES:
        make_dense_case(name, nin, nout, bias)
        count("Dense")
    for name, transposed, cin, cout, k, s, padding, bias, hw in CONV_CASES:
        make_conv_case(name, transposed, cin, cout, k, s, padding, bias, hw)
        count("Conv2DTranspose" if transposed else "Conv2D")
    for name, shape, training in BATCHNORM_CASES:
        make_batchnorm_case(name, shape, training)
        count("BatchNormalization")
    for name, shape, groups in GROUPNORM_CASES:
        make_groupnorm_case(name, shape, groups)
        count("GroupNormalization")
    for name, shape, interpolation in UPSAMPLING_CASES:
        make_upsampling_case(name, shape, interpolation)
        count("UpSampling2D")
    for name, shape, k, s, padding in AVGPOOL_CASES:
        make_avgpool_case(name, shape, k, s, padding)
        count("AveragePooling2D")
    for name, shape, k, s, padding in MAXPOOL_CASES:
        make_maxpool_case(name, shape, k, s, padding, ties=name.endswith("_ties"))
        count("MaxPooling2D")
    for name, shape in GLOBAL_AVGPOOL_CASES:
        make_global_avgpool_case(name, shape)
        count("GlobalAveragePooling2D")
    for name, wrapped, training, shape, args in SPECTRALNORM_CASES:
        make_spectralnorm_case(name, wrapped, training, shape, **args)
        count("SpectralNormalization")
    write_rmsprop_family(RMSPROP_DIR, "keras", [rmsprop_entry(*c) for c in RMSPROP_CASES])
    print(f"keras.optimizers.RMSprop: {len(RMSPROP_CASES)} trajectories in {RMSPROP_DIR}")
    print(SOURCE)
    for kind, n in counts.items():
        print(f"{kind}: {n}")
    print(f"total: {sum(counts.values())} keras cases in {OUT_DIR}")


if __name__ == "__main__":
    main()
