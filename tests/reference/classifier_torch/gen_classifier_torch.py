#!/usr/bin/python3
"""Reference training steps of murine's classifiers (models/classifier.h), checked by
tests/test_classifier_reference.cpp.

Run with Debian's python3 (python3-torch 1.13): `/usr/bin/python3 tests/reference/classifier_torch/gen_classifier_torch.py`
(or `make -C tests/reference classifier-torch`).

Builds, in PyTorch, exactly the networks make_classifier builds, with murine's Sequential names ("1.weight",
"9.window"), murine's layouts (Dense weight (out, in), Conv2D (out, in, kh, kw), NCHW input, Flatten in C, H, W
order) and one module per murine layer (a Dense or Conv2D with activation "relu" applies it itself), and
trains each for two steps the way ClassifierTrainer::step does: zero_grad, forward, the mean cross-entropy of
the logits with integer labels, backward, optimizer step.

  mlp  Flatten → Dense(32, relu) → Dense(10) on (8, 1, 28, 28); sz: the Dense(32) is SzDense 'diagonal'
       p = 0.7. torch.optim.Adam(lr 1e-3) (murine: Adam::torch).
  cnn  C32(same)-C32-MaxPool-Dropout(0)-C64(same)-C64-MaxPool-Dropout(0)-Flatten-Dense(512, relu)-Dense(10)
       on (8, 3, 16, 16) (16 → 14 → 7 → 5 → 2: an odd side pooled, a 2×2 map flattened); sz: the
       Dense(512) is SzDense 'diagonal' p = 0.5. torch.optim.RMSprop(lr 1e-3, alpha 0.99, eps 1e-2)
       (murine: RMSprop::torch).

Why eps 1e-2 and not PyTorch's 1e-8: RMSprop's first step is lr·g / (√(1 − alpha)·|g| + eps), ±10·lr for any
gradient well above eps/√(1 − alpha) = 1e-7. A gradient entry that cancels down to that size (a convolution's
weight gradient sums ~1500 terms) carries a float32 error of ~5e-8, i.e. in its first digit, and its step
changes with it; the step also divides later gradients by tiny √v. With eps 1e-8 PyTorch's own float32 run
differs from its float64 run by 1.3e-2 (relative, elementwise) after two steps, 5e-4 as max|Δ| / max|w| per
tensor: no float32 implementation can match 1e-5 there. With eps 1e-2 (of the size of √v, so it still matters,
and where it sits, outside the square root, is tested) PyTorch float32 matches float64 to 2.2e-6. The MLP's Adam
has no such problem at eps 1e-8 (its first step is g / (|g| + eps)): PyTorch float32 is within 1e-6 there.

A Sz layer computes with weight * window, the window a constant buffer built by the spec's 'diagonal' scan
(gen_stdlib_cases.diagonal_window, the algorithm murine's layers/window.cpp implements). Its raw weight is
the same dense random draw as the standard case's, so the masked-out entries are non-zero: a layer that
forgot the window would not match. The standard and Sz cases of a model start from the same weights.

Files, float32 (windows and pixels uint8), in this directory:
  config.json                     sizes, optimizer settings, seeds, versions, the losses (for people)
  <model>_init.safetensors        the initial state dict (both cases), plus the Sz case's window
  <model>_io.safetensors          pixels0, labels0, pixels1, labels1: the two batches, images as uint8
                                  pixels (x = pixel / 255 in float32, as murine's data sets), labels as
                                  float class indices; loss_standard, loss_sz (2,): the loss of each step
  <model>_<layer>_step2.safetensors  every parameter after the second step
Weights are drawn as the Keras scripts' initialisers (he_normal kernels, glorot_uniform output layer) but
with biases U(±0.1) instead of zeros, all rounded to float32; pixels uniform in 0..255; then everything runs in
float64 and is stored as float32. Deterministic: a rerun writes byte-identical files.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from gen_stdlib_cases import diagonal_window  # noqa: E402
from refcase import write_safetensors  # noqa: E402

BATCH, CLASSES, STEPS = 8, 10, 2
MODELS = {
    "mlp": {"channels": 1, "image_size": 28, "hidden": [32], "param_reduction": 0.7, "seed": 20200905,
            "optimizer": {"name": "Adam", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}},
    "cnn": {"channels": 3, "image_size": 16, "dropout": 0.0, "param_reduction": 0.5, "seed": 20200910,
            "optimizer": {"name": "RMSprop", "lr": 1e-3, "alpha": 0.99, "eps": 1e-2}},
}


class Dense(nn.Module):
    """murine's Dense / SzDense: y = act(x · (W ⊙ window)ᵀ + b), W (out, in); the window a buffer."""

    def __init__(self, cin, cout, relu, window=None):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, dtype=torch.float64))
        self.bias = nn.Parameter(torch.empty(cout, dtype=torch.float64))
        if window is not None:
            self.register_buffer("window", window)
        self.relu = relu

    def forward(self, x):
        w = self.weight * self.window if hasattr(self, "window") else self.weight
        y = F.linear(x, w, self.bias)
        return F.relu(y) if self.relu else y


class Conv2D(nn.Module):
    """murine's Conv2D(k3, stride 1, relu): "same" is padding 1 on every side for k = 3, "valid" none."""

    def __init__(self, cin, cout, padding):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, 3, 3, dtype=torch.float64))
        self.bias = nn.Parameter(torch.empty(cout, dtype=torch.float64))
        self.padding = {"same": 1, "valid": 0}[padding]

    def forward(self, x):
        return F.relu(F.conv2d(x, self.weight, self.bias, padding=self.padding))


def sz_window(cin, cout, p):
    """The (out, in) 'diagonal' window of SzDense(in → out, p), as float64 0/1."""
    w = diagonal_window(cin, cout, p)
    return torch.tensor(w, dtype=torch.float64).reshape(cout, cin)


def build(model, layer):
    """The nn.Sequential make_classifier builds for `model` with `layer` = standard | sz."""
    c = MODELS[model]
    p = c["param_reduction"]
    if model == "mlp":
        cin = c["channels"] * c["image_size"] ** 2
        h = c["hidden"][0]
        return nn.Sequential(nn.Flatten(), Dense(cin, h, True, sz_window(cin, h, p) if layer == "sz" else None),
                             Dense(h, CLASSES, False))
    side = ((c["image_size"] - 2) // 2 - 2) // 2
    cin = 64 * side * side
    rate = c["dropout"]
    return nn.Sequential(Conv2D(c["channels"], 32, "same"), Conv2D(32, 32, "valid"), nn.MaxPool2d(2), nn.Dropout(rate),
                         Conv2D(32, 64, "same"), Conv2D(64, 64, "valid"), nn.MaxPool2d(2), nn.Dropout(rate),
                         nn.Flatten(), Dense(cin, 512, True, sz_window(cin, 512, p) if layer == "sz" else None),
                         Dense(512, CLASSES, False))


def f32(a):
    """Round to float32 and back: every input of the float64 computation is float32-representable."""
    return torch.from_numpy(np.asarray(a, dtype=np.float32).astype(np.float64))


def initial_state(net, rng):
    """he_normal kernels (σ = √(2/fan_in)), glorot_uniform for the output layer, biases U(±0.1)."""
    kernels = [m for m in net if isinstance(m, (Dense, Conv2D))]
    state = {}
    for i, m in enumerate(kernels):
        name = [k for k, v in net.named_children() if v is m][0]
        shape = tuple(m.weight.shape)
        fan_in, fan_out = shape[1] * math.prod(shape[2:]), shape[0] * math.prod(shape[2:])
        if i + 1 < len(kernels):
            w = rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
        else:
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, shape)
        state[name + ".weight"] = f32(w)
        state[name + ".bias"] = f32(rng.uniform(-0.1, 0.1, shape[0]))
    return state


def optimizer(model, params):
    o = MODELS[model]["optimizer"]
    if o["name"] == "Adam":
        return torch.optim.Adam(params, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"])
    return torch.optim.RMSprop(params, lr=o["lr"], alpha=o["alpha"], eps=o["eps"])


def train(model, layer, init, batches):
    """Two steps from `init`; returns the losses and the state after each step (float32 numpy)."""
    net = build(model, layer).double()
    net.load_state_dict(init, strict=False)  # the window is the module's own buffer
    net.train()
    opt = optimizer(model, net.parameters())
    losses, states = [], []
    for x, labels in batches:
        opt.zero_grad()
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        states.append({k: v.detach().float().numpy() for k, v in net.state_dict().items() if not k.endswith("window")})
    return losses, states, net


def case_data(model):
    """The initial state and the batches of `model`: [(pixels uint8, x float64, labels int64)] * STEPS."""
    c = MODELS[model]
    rng = np.random.default_rng(c["seed"])
    shape = (BATCH, c["channels"], c["image_size"], c["image_size"])
    init = initial_state(build(model, "standard"), rng)
    batches = []
    for _ in range(STEPS):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        x = pixels.astype(np.float32) / np.float32(255.0)  # as data/image.cpp: pixel / 255.0f, in float32
        batches.append((pixels, torch.from_numpy(x.astype(np.float64)), torch.from_numpy(rng.integers(0, CLASSES, BATCH))))
    return init, batches


def generate(model):
    init, batches = case_data(model)
    io = {}
    for s, (pixels, _, labels) in enumerate(batches):
        io[f"pixels{s}"] = pixels
        io[f"labels{s}"] = labels.numpy().astype(np.float32)
    batches = [(x, labels) for _, x, labels in batches]
    files = {f"{model}_init.safetensors": {k: v.float().numpy() for k, v in init.items()}}
    summary = {}
    for layer in ("standard", "sz"):
        losses, states, net = train(model, layer, init, batches)
        io[f"loss_{layer}"] = np.array(losses, np.float32)
        files[f"{model}_{layer}_step2.safetensors"] = states[-1]
        if layer == "sz":
            for k, v in net.state_dict().items():
                if k.endswith("window"):
                    files[f"{model}_init.safetensors"][k] = v.numpy().astype(np.uint8)
                    summary["window"] = k
                    summary["usage_percent"] = 100.0 * float(v.sum()) / v.numel()
        summary[f"loss_{layer}"] = losses
    files[f"{model}_io.safetensors"] = io
    for name, arrays in files.items():
        write_safetensors(os.path.join(HERE, name), arrays)
    return summary


def main():
    torch.set_num_threads(1)  # reductions in one fixed order
    config = {"batch": BATCH, "classes": CLASSES, "steps": STEPS, "loss": "mean cross-entropy of the logits",
              "source": f"torch {torch.__version__}, numpy {np.__version__}, float64"}
    for model in MODELS:
        summary = generate(model)
        config[model] = dict(MODELS[model], **summary)
        print(model, {k: v for k, v in summary.items() if k.startswith("loss")})
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
