#!/usr/bin/env python3
"""Plots `murine experiment mask`'s DIR/mask.csv to DIR/mask.png (matplotlib).

usage: tools/plot_mask.py DIR [--out FILE]
Test accuracy (top) and test loss (bottom) of the masked network against the % of the layer's
weights the mask keeps, one line per mask form, as the MNIST_4layers*Nrm scripts' tables plot.
"""
import os

import plot_csv

COLUMNS = ["form", "width", "kept_percent", "test_loss", "test_accuracy"]


def main():
    args, rows, plt, out = plot_csv.load("plot_mask.py", __doc__, "mask", COLUMNS)

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

    plot_csv.save(fig, out)


if __name__ == "__main__":
    main()
