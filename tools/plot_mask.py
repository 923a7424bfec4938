#!/usr/bin/env python3
"""Plots `murine experiment mask`'s DIR/mask.csv to DIR/mask.png (matplotlib).

usage: tools/plot_mask.py DIR [--out FILE]
Test accuracy (top) and test loss (bottom) of the masked network against the % of the layer's
weights the mask keeps, one line per mask form, as the MNIST_4layers*Nrm scripts' tables plot.
"""
import argparse
import csv
import os
import sys

COLUMNS = ["form", "width", "kept_percent", "test_loss", "test_accuracy"]


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"plot_mask.py: {path} lacks the column(s) {', '.join(missing)} (header: {','.join(COLUMNS)})")
        rows = list(reader)
    if not rows:
        sys.exit(f"plot_mask.py: {path} has no rows")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="the experiment's output directory (holds mask.csv)")
    ap.add_argument("--out", help="output PNG (default DIR/mask.png)")
    args = ap.parse_args()
    path = os.path.join(args.dir, "mask.csv")
    if not os.path.exists(path):
        sys.exit(f"plot_mask.py: {path} does not exist")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_mask.py: matplotlib is missing (pip install matplotlib, or apt-get install python3-matplotlib)")
    rows = read_rows(path)

    forms = []  # in the order of the file
    points = {}
    for r in rows:
        if r["form"] not in points:
            forms.append(r["form"])
            points[r["form"]] = []
        points[r["form"]].append((float(r["kept_percent"]), 100.0 * float(r["test_accuracy"]), float(r["test_loss"])))

    fig, (acc_ax, loss_ax) = plt.subplots(2, 1, figsize=(8, 7), dpi=100, sharex=True)
    markers = "osD^vP*X"
    for i, form in enumerate(forms):
        p = sorted(points[form])
        kept = [k for k, _, _ in p]
        style = dict(marker=markers[i % len(markers)], markersize=4, linewidth=1.4, label=form)
        acc_ax.plot(kept, [a for _, a, _ in p], **style)
        loss_ax.plot(kept, [l for _, _, l in p], **style)
    losses = [l for form in forms for _, _, l in points[form]]
    if min(losses) > 0 and max(losses) > 20 * min(losses):
        loss_ax.set_yscale("log")  # a nearly empty mask's loss is far above the rest
    acc_ax.set_ylabel("test accuracy (%)")
    loss_ax.set_ylabel("test loss")
    loss_ax.set_xlabel("weights kept in the masked layer (%)")
    loss_ax.set_xlim(0, 102)
    for ax in (acc_ax, loss_ax):
        ax.grid(alpha=0.3)
    acc_ax.legend(title="mask form", fontsize=9)
    acc_ax.set_title(f"post-training masking: {os.path.basename(os.path.abspath(args.dir))}", fontsize=11)
    fig.tight_layout()

    out = args.out or os.path.join(args.dir, "mask.png")
    tmp = out + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, out)  # atomic: a crash never leaves a half-written plot
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
