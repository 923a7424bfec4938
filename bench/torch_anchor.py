#!/usr/bin/python3
"""The PyTorch anchor of `murine bench`: the same training steps in eager PyTorch, same sizes,
same options, same result line, so the two can be run side by side (bench/README.md).

    bench/torch_anchor.py ddim --batch 16 --image-size 32 --widths 32,64,96,128 --steps 5
    bench/torch_anchor.py classifier --model mlp --layer sz --batch 32 --threads 1

Models (ported from models/dcgan_torch.h, models/dcgan_keras.h, models/ddim.h and
docs/spec/models.md; written for timing, not for matching murine's numbers):
  dcgan_torch  the notebook's DCGAN; the three mouse layers are ConvTranspose2d whose weight is
               multiplied in forward by a fixed 0/1 window (a '2d' window re-derived here, see
               window_2d below; PyTorch's cost does not depend on the values).
  dcgan_keras  the paper's Keras GAN in PyTorch: Dense + BatchNorm (Keras momentum 0.99, eps 1e-3),
               masked ConvTranspose2d k5 s2 "same", spectral_norm on D's convolutions, Keras BCE.
  ddim         the reference scripts' U-Net (GroupNorm, dropout, attention at image/4, masked 3x3 convolutions in
               the deep stages) and its diffusion training step with an EMA copy of the weights.
  classifier   --model mlp: Flatten-Dense(512, relu)-Dense(10) on 1x28x28 (Fashion-MNIST), Adam 1e-3 (eps 1e-7);
               --model cnn: C32-C32-MaxPool-Dropout(.25)-C64-C64-MaxPool-Dropout(.25)-Dense(512, relu)-Dense(10)
               on 3x32x32 (CIFAR-10), RMSprop 1e-4 (rho 0.9, eps 1e-7): models/classifier.h and the recipe
               of train/classifier_trainer.h; --layer sz: the Dense(512) multiplies its weight by a 'diagonal'
               window (see diagonal_window below). The step: forward, cross-entropy, backward, optimizer step.
Timed: one full training step each (forward, backward, optimizer steps, EMA, the losses' .item()),
with torch.cuda.synchronize() on cuda; the warm-up steps are not timed; the median is reported.
Also reported: gflop_per_step, the nominal GEMM-like FLOPs of the last timed step counted as murine
counts them (autograd/flop_count.h; see count_flops below), gflops = that over the median, and
peak_rss_mb, the process's peak resident set (resource.getrusage).
Needs only Debian's python3-torch.
"""
import argparse
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STANDARD_RADIUS = 1.4  # a radius at or above this means a standard (unmasked) convolution


# ---- the nominal FLOP count ----
# Debian's torch 1.13 has no torch.utils.flop_counter, so the FLOPs are counted from the shapes as murine's
# autograd/flop_count.h counts them: 2 per multiply-add of the GEMM-like products only (Conv2d,
# ConvTranspose2d, Linear by forward hooks; attention's two bmm, the bilinear upsampling as murine's two
# interpolation-matrix products, spectral_norm's power iteration and σ by explicit calls), each once for
# the forward and once more for each of the input's and the weight's gradients that autograd will compute
# (the tensor requires grad while grad mode is on). Elementwise ops, norms, pooling, the optimizer: not
# counted. Counted at forward time, so a forward whose graph is never walked back would be over-counted;
# no step here has one.
FLOPS_COUNTED = [0]
FLOP_COUNTING = "forward hooks on Conv2d/ConvTranspose2d/Linear + attention bmm, bilinear, spectral_norm by hand"


def needs_grad(t):
    return int(torch.is_grad_enabled() and t is not None and t.requires_grad)


def count_flops(forward, *operands):
    """Adds the forward's nominal FLOPs, and as much again for each operand that will get a gradient."""
    FLOPS_COUNTED[0] += forward * (1 + sum(needs_grad(t) for t in operands))


def count_matmul(a, b):
    """a (..., M, K) @ b (..., K, N): 2·batch·M·K·N."""
    out_elements = math.prod(torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])) * a.shape[-2] * b.shape[-1]
    count_flops(2 * out_elements * a.shape[-1], a, b)


def layer_flops_hook(module, inputs, output):
    x = inputs[0]
    kh, kw = module.kernel_size if hasattr(module, "kernel_size") else (1, 1)
    if isinstance(module, nn.ConvTranspose2d):  # the conv2d it is the input gradient of: 2·N·C·H·W·(O/G)·kh·kw
        forward = 2 * x.numel() * (module.out_channels // module.groups) * kh * kw
    elif isinstance(module, nn.Conv2d):  # 2·N·O·OH·OW·(C/G)·kh·kw
        forward = 2 * output.numel() * (module.in_channels // module.groups) * kh * kw
    else:  # Linear: 2·M·in·out
        forward = 2 * (x.numel() // module.in_features) * module.in_features * module.out_features
    if hasattr(module, "weight_orig"):  # spectral_norm: in training one power iteration (two products, no
        rows, cols = module.weight_orig.shape[0], module.weight_orig[0].numel()  # grad), then σ = u·(M·v)
        if module.training:
            FLOPS_COUNTED[0] += 2 * 2 * rows * cols
        count_flops(2 * rows * cols, module.weight_orig)
    count_flops(forward, x, module.weight)


def count_layer_flops(net):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            m.register_forward_hook(layer_flops_hook)


# ---- the mouse window ----

def default_2d_width(n):
    """2^round(log2(n)/2), halves to even (Python's round), at most n: murine's default_2d_width."""
    return min(2 ** round(math.log2(n) / 2), n)


def window_2d(n_out, n_in, out_grid, in_grid, r):
    """An approximate '2d' window (n_out, n_in): channel i of a side with n nodes, g per row, sits at
    ((i mod g)/g, (i div g)/(n div g)) on the unit square; a pair is kept when the two points are at
    most r apart. Not checked pair by pair against murine's window (layers/window.cpp), but the density
    matches `murine mask` (34.515 % for 512 -> 512 at r = 0.4); for timing only the shape matters."""
    def positions(n, g):
        i = torch.arange(n, dtype=torch.float64)
        return torch.stack([(i % g) / g, torch.div(i, g, rounding_mode="floor") / (n // g)], dim=1)
    distance = torch.cdist(positions(n_out, out_grid), positions(n_in, in_grid))
    return (distance <= r).float()


class MaskedConvTranspose2d(nn.ConvTranspose2d):
    """ConvTranspose2d whose weight (in, out, kh, kw) is multiplied by a fixed 0/1 window in forward."""

    def __init__(self, cin, cout, k, stride, padding, output_padding=0, bias=True, grids=None, r=0.4):
        super().__init__(cin, cout, k, stride, padding, output_padding, bias=bias)
        out_grid, in_grid = grids  # murine's (input2d_width, output2d_width): output-channel grid first
        window = window_2d(cout, cin, out_grid, in_grid, r).t()  # (in, out)
        self.register_buffer("window", window[:, :, None, None].contiguous())

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight * self.window, self.bias, self.stride, self.padding,
                                  self.output_padding)


class MaskedConv2d(nn.Conv2d):
    """Conv2d whose weight (out, in, kh, kw) is multiplied by a fixed 0/1 window in forward."""

    def __init__(self, cin, cout, k, padding, grid, r):
        super().__init__(cin, cout, k, padding=padding)
        self.register_buffer("window", window_2d(cout, cin, grid, grid, r)[:, :, None, None].contiguous())

    def forward(self, x):
        return F.conv2d(x, self.weight * self.window, self.bias, self.stride, self.padding)


# ---- DCGAN, PyTorch flavour (the notebook) ----

def dcgan_torch_grids(ngf, stage):
    if ngf == 64:
        return [(16, 16), (16, 8), (8, 8)][stage]
    cin, cout = ngf << (3 - stage), ngf << (2 - stage)
    return default_2d_width(cout), default_2d_width(cin)


class DcganTorchGenerator(nn.Module):
    def __init__(self, latent, ngf, image_size, r, standard):
        super().__init__()
        layers = [nn.ConvTranspose2d(latent, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU()]
        stages = 3 if image_size == 64 else 2
        for s in range(stages):
            cin, cout = ngf << (3 - s), ngf << (2 - s)
            if standard:
                layers.append(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False))
            else:
                layers.append(MaskedConvTranspose2d(cin, cout, 4, 2, 1, bias=False, grids=dcgan_torch_grids(ngf, s), r=r))
            layers += [nn.BatchNorm2d(cout), nn.ReLU()]
        layers += [nn.ConvTranspose2d(ngf << (3 - stages), 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)


class DcganTorchDiscriminator(nn.Module):
    def __init__(self, ndf, image_size):
        super().__init__()
        layers = [nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
        stages = 3 if image_size == 64 else 2
        for s in range(stages):
            layers += [nn.Conv2d(ndf << s, ndf << (s + 1), 4, 2, 1, bias=False), nn.BatchNorm2d(ndf << (s + 1)),
                       nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(ndf << stages, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


def notebook_weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def make_dcgan_torch(a, dev):
    G = DcganTorchGenerator(a.latent, a.ngf, a.image_size, a.window2d_width, a.standard).to(dev)
    D = DcganTorchDiscriminator(a.ndf, a.image_size).to(dev)
    G.apply(notebook_weights_init)
    D.apply(notebook_weights_init)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = (torch.rand(a.batch, 3, a.image_size, a.image_size) * 2 - 1).to(dev)  # [-1, 1]
    ones, zeros = torch.ones(a.batch, device=dev), torch.zeros(a.batch, device=dev)

    def step():
        # D: BCE(D(real), 1) + BCE(D(G(z).detach()), 0), gradients summed; then G: BCE(D(G(z)), 1).
        z = torch.randn(a.batch, a.latent, 1, 1, device=dev)
        opt_d.zero_grad()
        err_real = F.binary_cross_entropy(D(real).view(-1), ones)
        err_real.backward()
        fake = G(z)
        err_fake = F.binary_cross_entropy(D(fake.detach()).view(-1), zeros)
        err_fake.backward()
        opt_d.step()
        opt_g.zero_grad()
        err_g = F.binary_cross_entropy(D(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()
        opt_d.zero_grad()
        return err_real.item() + err_fake.item(), err_g.item()

    return step, f"latent={a.latent} ngf={a.ngf} ndf={a.ndf}", (G, D)


# ---- DCGAN, Keras flavour (the paper's GAN) ----

def keras_bn(n, dims=2):
    # Keras BatchNormalization(momentum 0.99, epsilon 1e-3) = PyTorch momentum 0.01.
    return (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(n, eps=1e-3, momentum=0.01)


def scaled(c, s):
    return max(1, round(c * s))


class DcganKerasGenerator(nn.Module):
    def __init__(self, latent, image_size, scale, r, standard):
        super().__init__()
        c = [scaled(w, scale) for w in (1024, 512, 256, 128)]
        self.c0 = c[0]
        self.dense = nn.Sequential(nn.Linear(latent, 16 * c[0]), keras_bn(16 * c[0], dims=1), nn.ReLU())
        paper_grids = [(32, 32), (32, 16), (16, 16)]
        layers = []
        stages = 3 if image_size == 64 else 2
        for s in range(stages):
            # Keras Conv2DTranspose(k5, s2, "same"): output = 2 x input = padding 2, output_padding 1 here.
            if standard:
                layers.append(nn.ConvTranspose2d(c[s], c[s + 1], 5, 2, 2, 1))
            else:
                grids = paper_grids[s] if scale == 1.0 else (default_2d_width(c[s + 1]), default_2d_width(c[s]))
                layers.append(MaskedConvTranspose2d(c[s], c[s + 1], 5, 2, 2, 1, grids=grids, r=r))
            layers += [keras_bn(c[s + 1]), nn.ReLU()]
        layers += [nn.ConvTranspose2d(c[stages], 3, 5, 2, 2, 1), nn.Sigmoid()]
        self.up = nn.Sequential(*layers)

    def forward(self, z):
        return self.up(self.dense(z).view(-1, self.c0, 4, 4))


class DcganKerasDiscriminator(nn.Module):
    def __init__(self, image_size, scale):
        super().__init__()
        layers, cin = [], 3
        for w in (64, 128, 256, 512):
            # Keras Conv2D(k4, s2, "same") on an even side: padding 1 on each side.
            layers += [nn.utils.spectral_norm(nn.Conv2d(cin, scaled(w, scale), 4, 2, 1)), nn.LeakyReLU(0.2)]
            cin = scaled(w, scale)
        side = image_size // 16
        layers += [nn.Flatten(), nn.Dropout(0.2), nn.Linear(cin * side * side, 1), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


def keras_bce(labels, predictions, eps=1e-7):
    """keras.losses.binary_crossentropy: predictions clipped to [eps, 1 - eps]."""
    p = predictions.clamp(eps, 1 - eps)
    return -(labels * torch.log(p) + (1 - labels) * torch.log(1 - p)).mean()


def glorot_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        weight = getattr(m, "weight_orig", m.weight)  # spectral_norm keeps the raw weight as weight_orig
        nn.init.xavier_uniform_(weight)
        nn.init.zeros_(m.bias)


def make_dcgan_keras(a, dev):
    G = DcganKerasGenerator(a.latent, a.image_size, a.width_scale, a.window2d_width, a.standard).to(dev)
    D = DcganKerasDiscriminator(a.image_size, a.width_scale).to(dev)
    G.apply(glorot_init)
    D.apply(glorot_init)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.999), eps=1e-7)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999), eps=1e-7)
    real = torch.rand(a.batch, 3, a.image_size, a.image_size).to(dev)  # [0, 1]
    n = a.batch
    labels_clean = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(dev)  # 1 = fake, 0 = real

    def step():
        # 1. D on concat(G(z), real) against labels + 0.05 U(0,1) noise; 2. G against "real" (0) through D.
        with torch.no_grad():
            fake = G(torch.randn(n, a.latent, device=dev))
        labels = labels_clean + 0.05 * torch.rand(2 * n, 1, device=dev)
        opt_d.zero_grad()
        d_loss = keras_bce(labels, D(torch.cat([fake, real])))
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = keras_bce(torch.zeros(n, 1, device=dev), D(G(torch.randn(n, a.latent, device=dev))))
        g_loss.backward()
        opt_g.step()
        opt_d.zero_grad()
        return d_loss.item(), g_loss.item()

    return step, f"latent={a.latent} width_scale={a.width_scale:g}", (G, D)


# ---- DDIM ----

def keras_gn(groups, channels):
    return nn.GroupNorm(groups, channels, eps=1e-3)


def conv3x3(cin, width, r):
    if r < STANDARD_RADIUS:
        return MaskedConv2d(cin, width, 3, 1, default_2d_width(width), r)
    return nn.Conv2d(cin, width, 3, padding=1)


class ResidualBlock(nn.Module):
    """residual = x or Conv1x1(x); GN → conv3x3 → GN → swish → Dropout(0.1) → conv3x3; + residual."""

    def __init__(self, cin, width, r, groups, dropout):
        super().__init__()
        self.residual = nn.Conv2d(cin, width, 1) if cin != width else None
        self.norm_in = keras_gn(groups, cin)
        self.conv1 = conv3x3(cin, width, r)
        self.norm_mid = keras_gn(groups, width)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = conv3x3(width, width, r)

    def forward(self, x):
        residual = x if self.residual is None else self.residual(x)
        h = self.conv1(self.norm_in(x))
        h = self.conv2(self.dropout(F.silu(self.norm_mid(h))))
        return h + residual


class AttentionBlock(nn.Module):
    """h = GN(x); q, k, v = 1x1 convs of h; y = h + proj(softmax(q kᵀ / √units) v) over all positions."""

    def __init__(self, units, groups):
        super().__init__()
        self.norm = keras_gn(groups, units)
        self.query, self.key, self.value, self.proj = (nn.Conv2d(units, units, 1) for _ in range(4))
        self.units = units

    def forward(self, x):
        n, c, hh, ww = x.shape
        h = self.norm(x)
        q = self.query(h).flatten(2).transpose(1, 2)  # (N, HW, C)
        k = self.key(h).flatten(2)                      # (N, C, HW)
        v = self.value(h).flatten(2).transpose(1, 2)  # (N, HW, C)
        count_matmul(q, k)
        attention = torch.softmax(torch.bmm(q, k) / math.sqrt(self.units), dim=-1)
        count_matmul(attention, v)
        y = torch.bmm(attention, v).transpose(1, 2).reshape(n, c, hh, ww)
        return h + self.proj(y)


class DdimNetwork(nn.Module):
    def __init__(self, image_size, widths, r, block_depth=2, embedding_dims=32, groups=8, dropout=0.1):
        super().__init__()
        L = len(widths)
        down_r = [STANDARD_RADIUS] * (L - 2) + [r, r]
        up_r = [r, r] + [STANDARD_RADIUS] * (L - 2)
        self.embedding_dims, self.image_size, self.block_depth = embedding_dims, image_size, block_depth
        attention_resolution = image_size // 4
        self.stem = nn.Conv2d(3, widths[0], 1)
        channels, resolution, skip_channels = widths[0] + embedding_dims, image_size, []
        self.down = nn.ModuleList()
        for i in range(L - 1):
            stage = nn.ModuleList()
            for _ in range(block_depth):
                stage.append(ResidualBlock(channels, widths[i], down_r[i], groups, dropout))
                channels = widths[i]
                stage.append(AttentionBlock(channels, groups) if resolution == attention_resolution else nn.Identity())
                skip_channels.append(channels)
            self.down.append(stage)
            resolution //= 2
        self.middle = nn.ModuleList()
        for i in range(block_depth):
            self.middle.append(ResidualBlock(channels, widths[-1], down_r[-1], groups, dropout))
            channels = widths[-1]
            attend = resolution == attention_resolution and i != block_depth - 1
            self.middle.append(AttentionBlock(channels, groups) if attend else nn.Identity())
        self.up = nn.ModuleList()
        for i in range(L - 1):
            width = widths[L - 2 - i]
            resolution *= 2
            stage = nn.ModuleList()
            for _ in range(block_depth):
                stage.append(ResidualBlock(channels + skip_channels.pop(), width, up_r[i], groups, dropout))
                channels = width
                stage.append(AttentionBlock(channels, groups) if resolution == attention_resolution else nn.Identity())
            self.up.append(stage)
        self.output = nn.Conv2d(channels, 3, 1)
        nn.init.zeros_(self.output.weight)
        freqs = torch.exp(torch.linspace(math.log(1.0), math.log(1000.0), embedding_dims // 2))
        self.register_buffer("angular_speeds", (2 * math.pi * freqs).view(1, -1, 1, 1))

    def forward(self, noisy_images, noise_variances):
        n, s = noisy_images.shape[0], self.image_size
        angles = self.angular_speeds * noise_variances  # (N, D/2, 1, 1)
        e = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).expand(n, self.embedding_dims, s, s)
        x = torch.cat([self.stem(noisy_images), e], dim=1)
        skips = []
        for stage in self.down:
            for block, attention in zip(stage[0::2], stage[1::2]):
                x = attention(block(x))
                skips.append(x)
            x = F.avg_pool2d(x, 2)
        for block, attention in zip(self.middle[0::2], self.middle[1::2]):
            x = attention(block(x))
        for stage in self.up:
            n_, c_, h_, w_ = x.shape  # counted as murine's x·A_wᵀ then A_h·(…), A constant
            count_flops(2 * n_ * c_ * h_ * w_ * 2 * w_ + 2 * n_ * c_ * 2 * h_ * h_ * 2 * w_, x)
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            for block, attention in zip(stage[0::2], stage[1::2]):
                x = attention(block(torch.cat([x, skips.pop()], dim=1)))
        return self.output(x)


def make_ddim(a, dev):
    r = STANDARD_RADIUS if a.standard else a.window2d_width
    net = DdimNetwork(a.image_size, a.widths, r).to(dev)
    net.apply(lambda m: glorot_init(m) if m is not net.output else None)
    ema_net = DdimNetwork(a.image_size, a.widths, r).to(dev)
    ema_net.load_state_dict(net.state_dict())
    ema_net.eval()
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.9, 0.999), eps=1e-7)
    images = torch.rand(a.batch, 3, a.image_size, a.image_size).to(dev)  # [0, 1]
    # Keras Normalization adapted on the data: per-channel mean and (biased) variance.
    mean = images.mean(dim=(0, 2, 3), keepdim=True)
    std = images.var(dim=(0, 2, 3), unbiased=False, keepdim=True).sqrt()
    start_angle, end_angle = math.acos(0.95), math.acos(0.02)
    n = a.batch

    def step():
        # x0 = normalize(images); noisy = s·x0 + n·ε; loss = MSE(ε, net(noisy, n²)); Adam; EMA 0.999.
        net.train()
        x0 = (images - mean) / std
        noises = torch.randn(n, 3, a.image_size, a.image_size, device=dev)
        times = torch.rand(n, 1, 1, 1, device=dev)
        angles = start_angle + times * (end_angle - start_angle)
        signal_rates, noise_rates = torch.cos(angles), torch.sin(angles)
        noisy = signal_rates * x0 + noise_rates * noises
        optimizer.zero_grad()
        pred_noises = net(noisy, noise_rates ** 2)
        pred_images = (noisy - noise_rates * pred_noises) / signal_rates
        loss = F.mse_loss(pred_noises, noises)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        with torch.no_grad():
            for shadow, weight in zip(ema_net.parameters(), net.parameters()):
                shadow.mul_(0.999).add_(weight, alpha=0.001)
            image_loss = F.mse_loss(pred_images, x0).item()
        return loss.item(), image_loss

    return step, "widths=" + ",".join(str(w) for w in a.widths), (net,)


# ---- the classifiers (models/classifier.h) ----

def diagonal_window(n_out, n_in, p):
    """The spec's 'diagonal' scan (n_out, n_in): input x is kept for output y when |x - rxy*y| < h, with
    rxy = (n_in - 1)/(n_out - 1), h = hb*sqrt(rxy^2 + 1), hb = n_in*n_out/sqrt(n_in^2 + n_out^2)*(1 - sqrt(p));
    written for timing (PyTorch's cost does not depend on which entries are zero)."""
    if n_out <= 1:
        return torch.ones(n_out, n_in)
    hb = n_in * n_out / math.sqrt(n_in * n_in + n_out * n_out) * (1.0 - math.sqrt(p))
    rxy = (n_in - 1) / (n_out - 1)
    h = hb * math.sqrt(rxy * rxy + 1.0)
    x = torch.arange(n_in, dtype=torch.float64)[None, :]
    y = torch.arange(n_out, dtype=torch.float64)[:, None]
    return ((x - rxy * y).abs() < h).float()


class ClassifierDense(nn.Linear):
    """Dense(units, relu?) with Keras' he_normal kernel and zero bias; with a window, SzDense."""

    def __init__(self, cin, cout, relu, window=None):
        super().__init__(cin, cout)
        nn.init.kaiming_normal_(self.weight, nonlinearity="relu")
        nn.init.zeros_(self.bias)
        self.relu = relu
        if window is not None:
            self.register_buffer("window", window)

    def forward(self, x):
        w = self.weight * self.window if hasattr(self, "window") else self.weight
        y = F.linear(x, w, self.bias)
        return F.relu(y) if self.relu else y


def classifier_conv(cin, cout, padding):
    conv = nn.Conv2d(cin, cout, 3, padding=padding)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    nn.init.zeros_(conv.bias)
    return [conv, nn.ReLU()]


CLASSIFIER_DATA = {"mlp": ("fashion-mnist", 1, 28, 60000), "cnn": ("cifar10", 3, 32, 50000)}


def make_classifier(a, dev):
    _, channels, size, _ = CLASSIFIER_DATA[a.classifier_model]
    sz = a.layer == "sz"
    if a.classifier_model == "mlp":
        cin = channels * size * size
        net = nn.Sequential(nn.Flatten(), ClassifierDense(cin, 512, True, diagonal_window(512, cin, a.param_reduction) if sz else None),
                            ClassifierDense(512, 10, False))
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        name = "adam"
    else:
        side = ((size - 2) // 2 - 2) // 2
        cin = 64 * side * side
        net = nn.Sequential(*classifier_conv(channels, 32, 1), *classifier_conv(32, 32, 0), nn.MaxPool2d(2), nn.Dropout(0.25),
                            *classifier_conv(32, 64, 1), *classifier_conv(64, 64, 0), nn.MaxPool2d(2), nn.Dropout(0.25),
                            nn.Flatten(), ClassifierDense(cin, 512, True, diagonal_window(512, cin, a.param_reduction) if sz else None),
                            ClassifierDense(512, 10, False))
        # tf.keras 2 RMSprop without momentum: eps outside the root, as torch's.
        optimizer = torch.optim.RMSprop(net.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
        name = "rmsprop"
    net = net.to(dev).train()
    x = torch.rand(a.batch, channels, size, size).to(dev)
    labels = torch.randint(0, 10, (a.batch,)).to(dev)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, name, (net,)


# ---- the timing ----

PAPER_BATCH = {"dcgan_torch": 128, "dcgan_keras": 32, "ddim": 64, "classifier": 32}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", choices=sorted(PAPER_BATCH))
    p.add_argument("--batch", type=int, help="batch size (default: the paper's, 128 / 32 / 64; classifier 32)")
    p.add_argument("--steps", type=int, default=10, help="timed steps (the median is reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: OMP_NUM_THREADS or all cores)")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls and convolutions on cuda")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--latent", type=int, default=100)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--width-scale", type=float, default=1.0)
    p.add_argument("--widths", type=lambda s: [int(w) for w in s.split(",")], default=[64, 128, 256, 512])
    p.add_argument("--window2d-width", type=float, default=0.4)
    p.add_argument("--standard", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", dest="classifier_model", default="mlp", choices=["mlp", "cnn"], help="classifier: the net")
    p.add_argument("--layer", default="standard", choices=["standard", "sz"], help="classifier: standard or sz")
    p.add_argument("--param-reduction", type=float, default=0.5, help="classifier: p of the SzDense")
    a = p.parse_args()
    if a.batch is None:
        a.batch = PAPER_BATCH[a.model]
    for name in ("batch", "steps"):
        if getattr(a, name) <= 0:
            sys.exit(f"torch_anchor: --{name} must be positive, got {getattr(a, name)}")
    if a.warmup < 0:
        sys.exit(f"torch_anchor: --warmup must be >= 0, got {a.warmup}")
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_anchor: --device cuda: this PyTorch sees no CUDA device")
    threads = a.threads or int(os.environ.get("OMP_NUM_THREADS", 0)) or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)

    make = {"dcgan_torch": make_dcgan_torch, "dcgan_keras": make_dcgan_keras, "ddim": make_ddim,
            "classifier": make_classifier}[a.model]
    step, config, nets = make(a, dev)
    for net in nets:
        count_layer_flops(net)
    step_flops = [0]  # the nominal FLOPs of the last step

    def timed_step():
        FLOPS_COUNTED[0] = 0
        t0 = time.perf_counter()
        step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) * 1000.0
        step_flops[0] = FLOPS_COUNTED[0]
        return ms

    for _ in range(a.warmup):
        timed_step()
    ms = sorted(timed_step() for _ in range(a.steps))
    median = statistics.median(ms)
    images_per_s = a.batch / (median / 1000.0)
    tf32 = "on" if a.tf32 else "off"
    gflop_per_step = step_flops[0] * 1e-9
    gflops = gflop_per_step / (median / 1000.0)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    work = f"gflop_per_step={{:.{5 if a.model == 'classifier' else 4}f}} gflops={gflops:.2f} peak_rss_mb={peak_rss_mb:.1f}"
    work = work.format(gflop_per_step)
    work_text = f"{gflop_per_step:.3f} GFLOP/step, {gflops:.1f} GFLOP/s, peak {peak_rss_mb:.0f} MB ({FLOP_COUNTING})"
    if a.model == "classifier":
        data, channels, size, images = CLASSIFIER_DATA[a.classifier_model]
        epoch_s = images / images_per_s
        variant = f"sz p={a.param_reduction:g}" if a.layer == "sz" else "standard"
        print(f"pytorch {torch.__version__} bench classifier {a.classifier_model} ({a.device}, {threads} threads, "
              f"batch {a.batch}, in {channels}x{size}x{size}, {variant}, {config}): {median:.2f} ms/step median "
              f"(min {ms[0]:.2f}, max {ms[-1]:.2f} over {a.steps} steps after {a.warmup} warm-up), "
              f"{images_per_s:.1f} images/s; one epoch of {data} ({images} images) {epoch_s:.1f} s; {work_text}")
        print(f"bench framework=pytorch model={a.classifier_model} device={a.device} threads={threads} batch={a.batch} "
              f"image={size} channels={channels} layer={a.layer} standard={int(a.layer == 'standard')} optimizer={config} "
              f"steps={a.steps} warmup={a.warmup} ms_per_step={median:.3f} min_ms={ms[0]:.3f} "
              f"images_per_s={images_per_s:.1f} epoch_images={images} epoch_s={epoch_s:.2f} tf32={tf32} {work}")
        return
    variant = "standard" if a.standard else f"mouse r={a.window2d_width:g}"
    print(f"pytorch {torch.__version__} bench {a.model} ({a.device}, {threads} threads, tf32 {tf32}, batch {a.batch}, "
          f"image {a.image_size}, {config}, {variant}): {median:.1f} ms/step median (min {ms[0]:.1f}, "
          f"max {ms[-1]:.1f} over {a.steps} steps after {a.warmup} warm-up), {images_per_s:.1f} images/s; {work_text}")
    print(f"bench framework=pytorch model={a.model} device={a.device} threads={threads} batch={a.batch} "
          f"image={a.image_size} {config} standard={int(a.standard)} steps={a.steps} warmup={a.warmup} "
          f"ms_per_step={median:.2f} min_ms={ms[0]:.2f} images_per_s={images_per_s:.2f} tf32={tf32} {work}")


if __name__ == "__main__":
    main()
