#!/usr/bin/python3
"""The PyTorch side of murine's Fashion-MNIST accuracy figures (README, "Classification experiments"):
the MNIST_3layersSchizo200905.py recipe written in PyTorch, trained from the Debian package's files.

    bench/torch_fashion_mnist.py --layer sz --param-reduction 0.7 --epochs 1 --seeds 0,1,2

Network: Flatten → Dense(512, relu) or SzDense(512, p, 'diagonal') → Dense(10) with softmax
cross-entropy, as murine's `mlp` builds it: Keras initialisers (he_normal truncated-normal hidden
kernel, glorot_uniform output kernel, zero biases), the Sz kernel multiplied by window·w_corr at
initialisation and by the window in every forward; Adam with lr 1e-3 and Keras' ε = 1e-7 (torch.optim's
placement of ε, which differs from Keras' by ε/√(1 − β2ᵗ) in the denominator); batch 32, a fresh
shuffle every epoch, the last batch smaller. Prints one line per seed and the mean ± sd of the final
test accuracy. Needs only Debian's python3-torch and python3-numpy.
"""
import argparse
import gzip
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from gen_stdlib_cases import diagonal_window  # noqa: E402  the spec's 'diagonal' scan, (ny, nx) rows flat

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        h, w = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, n * h * w, 16).reshape(n, h * w).astype(np.float32) / 255.0
    return np.frombuffer(data, np.uint8, n, 8).astype(np.int64)


class Mlp(nn.Module):
    def __init__(self, layer, p):
        super().__init__()
        self.hidden = nn.Linear(784, 512)
        self.out = nn.Linear(512, 10)
        std = math.sqrt(2.0 / 784) / 0.87962566103423978  # Keras he_normal: truncated at ±2σ
        nn.init.trunc_normal_(self.hidden.weight, 0.0, std, -2 * std, 2 * std)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.hidden.bias)
        nn.init.zeros_(self.out.bias)
        window = torch.ones(512, 784)
        if layer == "sz":
            window = torch.tensor(diagonal_window(784, 512, p), dtype=torch.float32).reshape(512, 784)
            with torch.no_grad():
                self.hidden.weight.mul_(window * (window.numel() / window.sum()))
        self.register_buffer("window", window)

    def forward(self, x):
        x = F.relu(F.linear(x, self.hidden.weight * self.window, self.hidden.bias))
        return self.out(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layer", default="sz", choices=["standard", "sz"])
    ap.add_argument("--param-reduction", type=float, default=0.7)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    xtr = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz"))
    ytr = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz"))
    xte = torch.from_numpy(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz"))
    yte = torch.from_numpy(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz"))
    accs = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        torch.manual_seed(seed)
        model = Mlp(args.layer, args.param_reduction)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        start = time.time()
        for epoch in range(args.epochs):
            order = torch.randperm(len(xtr))
            for i in range(0, len(xtr), args.batch):
                idx = order[i:i + args.batch]
                loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            logits = model(xte)
            acc = (logits.argmax(1) == yte).float().mean().item()
            test_loss = F.cross_entropy(logits, yte).item()
        accs.append(acc)
        print(f"seed {seed}: {args.layer} p={args.param_reduction} epochs={args.epochs} test loss {test_loss:.4f} "
              f"accuracy {acc:.4f} ({time.time() - start:.1f} s, torch {torch.__version__})")
    sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
    print(f"test accuracy {statistics.mean(accs):.4f} ± {sd:.4f} over {len(accs)} seeds")


if __name__ == "__main__":
    main()
