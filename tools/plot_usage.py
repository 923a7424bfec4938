#!/usr/bin/env python3
"""How the '2d' window's %usage follows from window2d_width r.

Runs `murine mask --csv` over a range of radii for a few layers, plots %usage against r with the
continuum limit (the chance that two uniform points of the unit square lie within r of each other),
saves the plot, and prints a Markdown table of one layer's figures for docs/windows.md.

    python3 tools/plot_usage.py [--murine build/murine] [--out docs/img/usage_vs_radius.png]

Needs matplotlib (pip install matplotlib).
"""
import argparse
import csv
import io
import math
import subprocess

# (label, murine mask arguments); widths as the layers in the reference scripts' models use them.
LAYERS = [
    ("mLinear 64 -> 64 (8 x 8 grids)", ["--kind", "dense", "--in", "64", "--out", "64",
                                         "--input2d-width", "8", "--output2d-width", "8"]),
    ("mLinear 512 -> 512 (32 per row)", ["--kind", "dense", "--in", "512", "--out", "512",
                                          "--input2d-width", "32", "--output2d-width", "32"]),
    ("mConvTranspose2d 512 -> 256, k4 (16, 16)", ["--kind", "conv_transpose", "--in", "512", "--out", "256",
                                                   "--kernel", "4", "--input2d-width", "16",
                                                   "--output2d-width", "16"]),
]
TABLE_LAYER = 1  # the layer whose figures become the Markdown table
TABLE_RADII = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]


def continuum_usage(r):
    """P(|a - b| < r) for a, b uniform on the unit square: the window's usage on an infinitely fine grid."""
    if r <= 0:
        return 0.0
    if r <= 1:
        return math.pi * r * r - 8.0 / 3.0 * r ** 3 + r ** 4 / 2.0
    if r >= math.sqrt(2):
        return 1.0
    return (1.0 / 3.0 + (math.pi - 2.0) * r * r - r ** 4 / 2.0
            + 4.0 / 3.0 * (2.0 * r * r + 1.0) * math.sqrt(r * r - 1.0) - 4.0 * r * r * math.acos(1.0 / r))


def mask_row(murine, args, radius):
    """One `murine mask --csv` run: the CSV row as a dict."""
    cmd = [murine, "mask", "--form", "2d", "--window2d-width", repr(radius), "--csv"] + args
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return next(csv.DictReader(io.StringIO(out)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--murine", default="build/murine", help="the murine binary")
    parser.add_argument("--out", default="docs/img/usage_vs_radius.png", help="where to save the plot")
    opts = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    radii = [round(0.02 * k, 2) for k in range(1, 76)]  # 0.02 .. 1.5
    fig, ax = plt.subplots(figsize=(7.0, 4.4), dpi=100)
    fine = [0.005 * k for k in range(0, 301)]
    ax.plot(fine, [100.0 * continuum_usage(r) for r in fine], color="0.6", lw=3, alpha=0.6,
            label="continuum limit (two random points of the unit square within r)")
    for (label, args), style in zip(LAYERS, ["-", "--", ":"]):
        usage = [float(mask_row(opts.murine, args, r)["usage_percent"]) for r in radii]
        ax.plot(radii, usage, style, lw=1.6, label=label)
    ax.axvspan(0.4, 0.6, color="tab:green", alpha=0.08)
    ax.text(0.5, 92, "recommended\n0.4-0.6", ha="center", fontsize=8, color="tab:green")
    ax.axvline(math.sqrt(2), color="0.3", lw=0.8, ls="-.")
    ax.text(math.sqrt(2) - 0.02, 50, "r = sqrt(2): all connected", rotation=90, ha="right", va="center", fontsize=8)
    ax.set_xlabel("window2d_width r (radius on the unit square)")
    ax.set_ylabel("% of weights used")
    ax.set_xlim(0, 1.5)
    ax.set_ylim(0, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("'2d' connection window: %usage against window2d_width", fontsize=10)
    fig.tight_layout()
    fig.savefig(opts.out)
    print(f"wrote {opts.out}")

    label, args = LAYERS[TABLE_LAYER]
    print(f"\n{label}:\n")
    print("| window2d_width | num_ones | %usage | w_corr | continuum limit % |")
    print("|---|---|---|---|---|")
    for r in TABLE_RADII:
        row = mask_row(opts.murine, args, r)
        print(f"| {r} | {row['num_ones']} | {row['usage_percent']} | {float(row['w_corr']):.4f} "
              f"| {100.0 * continuum_usage(r):.2f} |")


if __name__ == "__main__":
    main()
