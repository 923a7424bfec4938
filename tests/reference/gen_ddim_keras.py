#!/usr/bin/env python3
"""Reference data for murine's DDIM U-Net (models/ddim.h DdimNetwork), checked by
tests/test_ddim_keras_reference.cpp.

Run with the Keras venv (requirements-keras.txt; `make -C tests/reference ddim-keras`):
    KERAS_BACKEND=jax /tmp/murine-keras-venv/bin/python tests/reference/gen_ddim_keras.py

Builds the reference scripts' get_network (mouse/DDIM_AFHQcat_240901d, as docs/spec/models.md "DDIM" describes
it) in Keras 3 at a small size: image 16, widths [8, 16, 24, 32], block depth 2, embedding 8 dims,
GroupNormalization with 4 groups, attention at 4x4 (image / 4: the third down stage and the first
up stage), r = 0.4 with the reference scripts' radius pattern (down [1.4, 1.4, r, r], up [r, r, 1.4, 1.4]).

The mouse-mimetic 3x3 convolutions (mConv2D, form '2d', grid 2^round(log2(width)/2) on both sides)
are plain Keras Conv2D layers here whose kernel is set to W * window: the masked layer's forward
is exactly that convolution. The window comes from gen_torch_cases.window_2d (the spec's '2d' scan,
also used for the committed mConv2d cases); it is read from that file's source, since importing the
module would need torch. The output Conv2D gets random weights instead of the reference scripts' zeros (with
zeros the output would be the bias alone).

Every weight is drawn at random (float32-representable), the network runs in float64 (floatx
float64; Keras' GroupNormalization computes in float32 even then, and the embedding's sin and cos are
jax.numpy's, since keras.ops.sin and cos compute in float32 too) and the results are stored as
float32, in murine's layouts (NCHW, kernels (out, in, kh, kw)) and murine's parameter names:
  weights.safetensors   DdimNetwork.state_dict(): every raw weight (dense, before * window), bias,
                        GroupNormalization weight (gamma) and bias (beta), and the windows (U8 0/1)
  io.safetensors        noisy_images (2, 3, 16, 16), noise_variances (2, 1, 1, 1),
                        y_eval (the call with training=False: dropout off),
                        y_train (training=True with every Dropout rate set to 0: dropout masks
                        cannot be matched; GroupNormalization and attention have no training mode)
  config.json           the options, and mouse_grid_widths: the '2d' grid of each mouse convolution
Deterministic: a rerun writes byte-identical files.
"""
import ast
import json
import math
import os

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402
from refcase import write_safetensors  # noqa: E402

keras.config.set_floatx("float64")
assert keras.backend.backend() == "jax"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "ddim_keras")

IMAGE, WIDTHS, BLOCK_DEPTH, EMBEDDING_DIMS, MAX_FREQUENCY = 16, [8, 16, 24, 32], 2, 8, 1000.0
GROUPS, ATTENTION_RESOLUTION, DROPOUT, R, EPSILON = 4, 4, 0.1, 0.4, 1e-3
DOWN_RADII = [1.4, 1.4, R, R]  # the reference scripts' windowrad_dn (last entry: the middle)
UP_RADII = [R, R, 1.4, 1.4]    # the reference scripts' windowrad_up (last entry never used)
BATCH, SEED = 2, 20240901
STANDARD_RADIUS = 1.4


def load_window_2d():
    """gen_torch_cases.window_2d, taken from its source without importing torch."""
    path = os.path.join(HERE, "gen_torch_cases.py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "window_2d")
    namespace = {"math": math, "np": np}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), path, "exec"), namespace)
    return namespace["window_2d"]


window_2d = load_window_2d()


def default_2d_width(n):
    """2^round(log2(n)/2) with Python's half-to-even round (layers/window.h default_2d_width)."""
    return 2 ** round(math.log2(n) / 2)


# ---------------------------------------------------------------------------------------------
# The network, recording which Keras layer becomes which murine module
# ---------------------------------------------------------------------------------------------

class Recorder:
    """Collects (murine module name, keras layer, kind, extra) in construction order."""

    def __init__(self):
        self.entries = []

    def conv(self, name, layer, window_radius=None):
        self.entries.append((name, layer, "conv", window_radius))
        return layer

    def norm(self, name, layer):
        self.entries.append((name, layer, "norm", None))
        return layer


def sinusoidal_embedding(v):
    """[sin(w_i v), cos(w_i v)] with w_i = 2 pi exp(linspace(ln 1, ln f_max, D/2))_i cast to float32."""
    frequencies = ops.exp(ops.linspace(math.log(1.0), math.log(MAX_FREQUENCY), EMBEDDING_DIMS // 2))
    speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
    speeds = ops.cast(speeds, "float64")  # exact; the product below in float64
    # jax.numpy's sin and cos, not keras.ops': Keras 3 (non-TensorFlow backends) maps float64 to float32
    # in backend.result_type, which ops.sin and ops.cos cast their input to, so they would round the
    # angle (up to 4e3 here) to float32 first, an error of up to 1.2e-4 in the embedding.
    angles = speeds * v
    return ops.concatenate([jax.numpy.sin(angles), jax.numpy.cos(angles)], axis=3)


class AttentionBlock(layers.Layer):
    """GN, 1x1 convolutions q, k, v; softmax(q.k / sqrt(units)) over all positions; y = GN(x) + proj(A v)."""

    def __init__(self, units, groups, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.norm = layers.GroupNormalization(groups=groups, epsilon=EPSILON)
        self.query = layers.Conv2D(units, 1)
        self.key = layers.Conv2D(units, 1)
        self.value = layers.Conv2D(units, 1)
        self.proj = layers.Conv2D(units, 1)

    def call(self, x):
        h, w = x.shape[1], x.shape[2]  # static; the batch size may be unknown
        x = self.norm(x)
        q, k, v = self.query(x), self.key(x), self.value(x)
        scores = ops.einsum("bhwc,bHWc->bhwHW", q, k) * (float(self.units) ** -0.5)
        a = ops.softmax(ops.reshape(scores, (-1, h, w, h * w)), axis=-1)
        a = ops.reshape(a, (-1, h, w, h, w))
        return x + self.proj(ops.einsum("bhwHW,bHWc->bhwc", a, v))


def attention_block(rec, name, x, units):
    block = AttentionBlock(units, GROUPS)
    y = block(x)
    rec.norm(name + ".norm", block.norm)
    for child in ("query", "key", "value", "proj"):
        rec.conv(f"{name}.{child}", getattr(block, child))
    return y


def residual_block(rec, name, x, width, radius):
    """The reference scripts' ResidualBlock: residual 1x1 if the channels differ; GN, conv3, GN, swish, dropout, conv3."""
    residual = x
    if x.shape[3] != width:
        residual = rec.conv(name + ".residual", layers.Conv2D(width, 1))(x)
    masked = radius < STANDARD_RADIUS
    x = rec.norm(name + ".norm_in", layers.GroupNormalization(groups=GROUPS, epsilon=EPSILON))(x)
    x = rec.conv(name + ".conv1", layers.Conv2D(width, 3, padding="same"), radius if masked else None)(x)
    x = rec.norm(name + ".norm_mid", layers.GroupNormalization(groups=GROUPS, epsilon=EPSILON))(x)
    x = layers.Activation("swish")(x)
    x = layers.Dropout(DROPOUT)(x)
    x = rec.conv(name + ".conv2", layers.Conv2D(width, 3, padding="same"), radius if masked else None)(x)
    return layers.Add()([x, residual])


def get_network(rec):
    noisy_images = keras.Input(shape=(IMAGE, IMAGE, 3))
    noise_variances = keras.Input(shape=(1, 1, 1))
    e = layers.Lambda(sinusoidal_embedding, output_shape=(1, 1, EMBEDDING_DIMS))(noise_variances)
    e = layers.UpSampling2D(size=IMAGE, interpolation="nearest")(e)
    x = rec.conv("stem", layers.Conv2D(WIDTHS[0], 1))(noisy_images)
    x = layers.Concatenate()([x, e])

    skips = []
    for i, width in enumerate(WIDTHS[:-1]):  # DownBlock
        for j in range(BLOCK_DEPTH):
            x = residual_block(rec, f"down{i}.res{j}", x, width, DOWN_RADII[i])
            if x.shape[1] == ATTENTION_RESOLUTION:
                x = attention_block(rec, f"down{i}.attn{j}", x, width)
            skips.append(x)
        x = layers.AveragePooling2D(pool_size=2)(x)

    for j in range(BLOCK_DEPTH):  # middle
        x = residual_block(rec, f"middle{j}", x, WIDTHS[-1], DOWN_RADII[-1])
        if x.shape[1] == ATTENTION_RESOLUTION and j != BLOCK_DEPTH - 1:
            x = attention_block(rec, f"middle_attn{j}", x, WIDTHS[-1])

    for i, width in enumerate(reversed(WIDTHS[:-1])):  # UpBlock
        x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
        for j in range(BLOCK_DEPTH):
            x = layers.Concatenate()([x, skips.pop()])
            x = residual_block(rec, f"up{i}.res{j}", x, width, UP_RADII[i])
            if x.shape[1] == ATTENTION_RESOLUTION:
                x = attention_block(rec, f"up{i}.attn{j}", x, width)

    # The reference scripts' kernel_initializer="zeros" is replaced by random weights below.
    x = rec.conv("output", layers.Conv2D(3, 1))(x)
    return keras.Model([noisy_images, noise_variances], x, name="residual_unet")


# ---------------------------------------------------------------------------------------------
# Weights: random, float32-representable; exported under murine's names and layouts
# ---------------------------------------------------------------------------------------------

def f32(a):
    return np.asarray(a, np.float32).astype(np.float64)


def set_weights(rec, rng):
    """Assign random weights to every recorded layer; return murine's state dict (numpy)."""
    state = {}
    for name, layer, kind, radius in rec.entries:
        if kind == "norm":
            c = layer.gamma.shape[0]
            gamma, beta = f32(rng.uniform(0.5, 1.5, c)), f32(rng.uniform(-0.3, 0.3, c))
            layer.gamma.assign(gamma)
            layer.beta.assign(beta)
            state[name + ".weight"], state[name + ".bias"] = gamma, beta
            continue
        kh, kw, cin, cout = layer.kernel.shape
        limit = math.sqrt(6.0 / ((cin + cout) * kh * kw))  # glorot_uniform's range
        weight = f32(rng.uniform(-limit, limit, (cout, cin, kh, kw)))  # murine layout (out, in, kh, kw)
        bias = f32(rng.uniform(-0.1, 0.1, cout))
        effective = weight
        if radius is not None:
            grid = default_2d_width(cout)  # the reference script: grid from the block's width on both sides
            channel_window = window_2d(cin, cout, grid, grid, radius)  # (out, in)
            window = np.ascontiguousarray(np.broadcast_to(channel_window[:, :, None, None], weight.shape))
            state[name + ".window"] = window.astype(np.uint8)
            effective = weight * window
        layer.kernel.assign(effective.transpose(2, 3, 1, 0))  # (out, in, kh, kw) -> Keras (kh, kw, in, out)
        layer.bias.assign(bias)
        state[name + ".weight"], state[name + ".bias"] = weight, bias
    return state


def to_nchw(y):
    return np.ascontiguousarray(np.asarray(y).transpose(0, 3, 1, 2))


def main():
    rng = np.random.default_rng(SEED)
    rec = Recorder()
    network = get_network(rec)
    state = set_weights(rec, rng)
    n_variables = sum(int(np.prod(v.shape)) for v in network.weights)
    n_exported = sum(a.size for k, a in state.items() if not k.endswith(".window"))
    assert n_variables == n_exported, (n_variables, n_exported)  # every Keras weight has a murine name

    images = f32(rng.standard_normal((BATCH, IMAGE, IMAGE, 3)))
    variances = f32(rng.uniform(0.05, 0.95, (BATCH, 1, 1, 1)))
    y_eval = np.asarray(network([images, variances], training=False))
    dropouts = [l for l in network.layers if isinstance(l, layers.Dropout)]
    assert len(dropouts) == BLOCK_DEPTH * (2 * len(WIDTHS) - 1)  # one per residual block
    for d in dropouts:
        d.rate = 0.0
    y_train = np.asarray(network([images, variances], training=True))
    print("max|y_eval| %.4g, max|y_train - y_eval| %.3g" % (np.abs(y_eval).max(), np.abs(y_train - y_eval).max()))

    os.makedirs(OUT_DIR, exist_ok=True)
    write_safetensors(os.path.join(OUT_DIR, "weights.safetensors"),
                      {k: (v if v.dtype == np.uint8 else v.astype(np.float32)) for k, v in state.items()})
    io = {"noisy_images": to_nchw(images), "noise_variances": to_nchw(variances),
          "y_eval": to_nchw(y_eval), "y_train": to_nchw(y_train)}
    write_safetensors(os.path.join(OUT_DIR, "io.safetensors"), {k: v.astype(np.float32) for k, v in io.items()})
    masked = sorted(k[:-len(".window")] for k in state if k.endswith(".window"))
    config = {
        "image_size": IMAGE, "widths": WIDTHS, "block_depth": BLOCK_DEPTH, "embedding_dims": EMBEDDING_DIMS,
        "embedding_max_frequency": MAX_FREQUENCY, "window2d_width": R, "down_radii": DOWN_RADII,
        "up_radii": UP_RADII, "attention_resolution": ATTENTION_RESOLUTION, "dropout": DROPOUT,
        "groups": GROUPS, "epsilon": EPSILON, "batch": BATCH, "seed": SEED,
        "mouse_grid_widths": {k: default_2d_width(state[k + ".weight"].shape[0]) for k in masked},
        "source": f"keras {keras.__version__} (jax {jax.__version__} backend, CPU), numpy {np.__version__}, "
                  "float64 (GroupNormalization in float32; the embedding's sin, cos from jax.numpy)",
    }
    with open(os.path.join(OUT_DIR, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, p)) for p in os.listdir(OUT_DIR))
    print(f"{len(state)} tensors, {len(masked)} mouse convolutions, {total} bytes in {OUT_DIR}")


if __name__ == "__main__":
    main()
