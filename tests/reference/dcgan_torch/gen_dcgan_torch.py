#!/usr/bin/python3
"""Reference data for murine's PyTorch-flavour DCGAN (models/dcgan_torch.h), checked by tests/test_dcgan.cpp.

Run with Debian's python3 (python3-torch 1.13): `/usr/bin/python3 tests/reference/dcgan_torch/gen_dcgan_torch.py`.

Builds the notebook's G and D (mouse_pytorch/DCGAN_AFHQcat_mouse250710h.ipynb, as docs/spec/models.md
describes it) at a small size (latent 16, ngf = ndf = 8, 64x64 images, batch 4), initialises them with the
notebook's weights_init, and writes, all float32:
  init_G.safetensors, init_D.safetensors   the state dicts with PyTorch's names ("main.3.weight",
                                           "main.4.running_var", "main.3.window"), minus num_batches_tracked
  io.safetensors                           z (4,16,1,1), real (4,3,64,64), G(z) and D(real) in eval and in
                                           train mode (each from the initial state), errD, errG
  step_G.safetensors, step_D.safetensors   the state dicts after ONE step of the notebook's loop
  config.json                              the sizes, r and the grid widths used
The windows come from gen_torch_cases.window_2d (the spec's '2d' scan in double precision). The masked layer
here keeps its window as a constant buffer, as docs/spec/connection-windows.md requires; the notebook's
mouselayer stores it as a Parameter that its Adam also updates (a defect murine does not copy).
Everything is computed in float64 from float32-representable values and stored as float32. Deterministic.
"""
import copy
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
from gen_torch_cases import window_2d  # noqa: E402
from refcase import write_safetensors  # noqa: E402

LATENT, NGF, NDF, NC, IMAGE, BATCH, R = 16, 8, 8, 3, 64, 4, 0.4
LR, BETA1 = 2e-4, 0.5


def default_2d_width(n):
    """2^round(log2(n)/2), Python's half-to-even round (layers/window.h default_2d_width)."""
    return 2 ** round(math.log2(n) / 2)


def grid_widths(ngf, stage):
    """(input2d, output2d) of masked stage 0..2; the notebook's table for ngf 64, else default widths."""
    if ngf == 64:
        return [(16, 16), (16, 8), (8, 8)][stage]
    cin, cout = ngf << (3 - stage), ngf << (2 - stage)
    return default_2d_width(cout), default_2d_width(cin)


class MConvTranspose2d(nn.Module):
    """ConvTranspose2d(in, out, 4, 2, 1, bias=False) computing with weight * window (window a constant)."""

    def __init__(self, cin, cout, input2d, output2d, r):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cin, cout, 4, 4))
        # role swap: x side = out channels (grid input2d), y side = in channels (grid output2d)
        win = window_2d(cout, cin, input2d, output2d, r).astype(np.float32)  # (in, out)
        self.register_buffer("window", torch.from_numpy(win)[:, :, None, None].repeat(1, 1, 4, 4))

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight * self.window, None, stride=2, padding=1)


def generator():
    layers = [nn.ConvTranspose2d(LATENT, NGF * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 8), nn.ReLU(True)]
    for s in range(3):
        cin, cout = NGF << (3 - s), NGF << (2 - s)
        layers += [MConvTranspose2d(cin, cout, *grid_widths(NGF, s), R), nn.BatchNorm2d(cout), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False), nn.Tanh()]
    g = nn.Module()
    g.main = nn.Sequential(*layers)
    g.forward = g.main.forward
    return g


def discriminator():
    layers = [nn.Conv2d(NC, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for s in range(3):
        layers += [nn.Conv2d(NDF << s, NDF << (s + 1), 4, 2, 1, bias=False), nn.BatchNorm2d(NDF << (s + 1)),
                   nn.LeakyReLU(0.2, inplace=True)]
    layers += [nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    d = nn.Module()
    d.main = nn.Sequential(*layers)
    d.forward = d.main.forward
    return d


def weights_init(m):
    """The notebook's weights_init: every 'Conv' class (mConvTranspose2d too) N(0, 0.02); BN γ N(1, 0.02), β 0."""
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def round_to_f32(module):
    """Make every parameter and buffer float32-representable, then switch the module to float64."""
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(t.float())
    return module.double()


def state(module):
    return {k: v.detach().float().numpy() for k, v in module.state_dict().items() if "num_batches_tracked" not in k}


def f32(t):
    return t.detach().float().numpy()


def main():
    torch.manual_seed(999)  # the notebook's seed
    net_g, net_d = generator(), discriminator()
    net_g.apply(weights_init)
    net_d.apply(weights_init)
    round_to_f32(net_g)
    round_to_f32(net_d)
    rng = np.random.default_rng(20250710)
    z = torch.from_numpy(rng.standard_normal((BATCH, LATENT, 1, 1)).astype(np.float32)).double()
    real = torch.from_numpy(rng.uniform(-1, 1, (BATCH, NC, IMAGE, IMAGE)).astype(np.float32)).double()

    io = {"z": f32(z), "real": f32(real)}
    with torch.no_grad():
        g, d = copy.deepcopy(net_g).eval(), copy.deepcopy(net_d).eval()
        io["G_eval"], io["D_eval"] = f32(g(z)), f32(d(real))
        g, d = copy.deepcopy(net_g).train(), copy.deepcopy(net_d).train()
        io["G_train"], io["D_train"] = f32(g(z)), f32(d(real))

    write_safetensors(os.path.join(HERE, "init_G.safetensors"), state(net_g))
    write_safetensors(os.path.join(HERE, "init_D.safetensors"), state(net_d))

    # One iteration of the notebook's loop (criterion = nn.BCELoss, real label 1, fake label 0).
    net_g.train()
    net_d.train()
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=LR, betas=(BETA1, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=LR, betas=(BETA1, 0.999))
    ones, zeros = torch.ones(BATCH, dtype=torch.float64), torch.zeros(BATCH, dtype=torch.float64)
    net_d.zero_grad()
    err_d_real = criterion(net_d(real).view(-1), ones)
    err_d_real.backward()
    fake = net_g(z)
    err_d_fake = criterion(net_d(fake.detach()).view(-1), zeros)
    err_d_fake.backward()
    opt_d.step()
    net_g.zero_grad()
    err_g = criterion(net_d(fake).view(-1), ones)
    err_g.backward()
    opt_g.step()
    io["errD"] = np.array([(err_d_real + err_d_fake).item()], np.float32)
    io["errG"] = np.array([err_g.item()], np.float32)

    write_safetensors(os.path.join(HERE, "io.safetensors"), io)
    write_safetensors(os.path.join(HERE, "step_G.safetensors"), state(net_g))
    write_safetensors(os.path.join(HERE, "step_D.safetensors"), state(net_d))
    config = {"latent": LATENT, "ngf": NGF, "ndf": NDF, "channels": NC, "image_size": IMAGE, "batch": BATCH,
              "window2d_width": R, "grid_widths": [list(grid_widths(NGF, s)) for s in range(3)], "lr": LR,
              "beta1": BETA1, "seed": 999, "source": f"torch {torch.__version__}, numpy {np.__version__}, float64"}
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    print("errD", io["errD"][0], "errG", io["errG"][0])


if __name__ == "__main__":
    main()
