#!/usr/bin/env python3
"""Plots `murine experiment sweep`'s DIR/sweep.csv to DIR/sweep.png (matplotlib).

usage: tools/plot_sweep.py DIR [--out FILE]
Mean test loss (top) and mean test accuracy (bottom) over the runs at each param_reduction p, with
error bars of +- one standard deviation over the runs (none for a single run); the top axis gives the
mean %usage of the constrained layer at each p.
"""
import math
import os
import sys

import plot_csv

COLUMNS = ["param_reduction", "usage_percent", "run", "seed", "test_loss", "test_accuracy"]


def mean_sd(values):
    """Mean and sample standard deviation (n - 1; 0 for one value)."""
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def main():
    args, rows, plt, out = plot_csv.load("plot_sweep.py", __doc__, "sweep", COLUMNS)
    path = os.path.join(args.dir, "sweep.csv")

    by_p = {}
    for r in rows:
        if not r["test_loss"].strip() or not r["test_accuracy"].strip():
            continue  # a run without test figures
        by_p.setdefault(float(r["param_reduction"]), []).append(r)
    if not by_p:
        sys.exit(f"plot_sweep.py: {path} has no rows with test figures")
    ps = sorted(by_p)
    loss = [mean_sd([float(r["test_loss"]) for r in by_p[p]]) for p in ps]
    acc = [mean_sd([100.0 * float(r["test_accuracy"]) for r in by_p[p]]) for p in ps]
    usage = [sum(float(r["usage_percent"]) for r in by_p[p]) / len(by_p[p]) for p in ps]
    runs = sorted({len(by_p[p]) for p in ps})

    fig, (loss_ax, acc_ax) = plt.subplots(2, 1, figsize=(8, 7), dpi=100, sharex=True)
    style = dict(marker="o", markersize=4, capsize=3, linewidth=1.4)
    loss_ax.errorbar(ps, [m for m, _ in loss], yerr=[s for _, s in loss], color="tab:red", **style)
    acc_ax.errorbar(ps, [m for m, _ in acc], yerr=[s for _, s in acc], color="tab:blue", **style)
    loss_ax.set_ylabel("test loss (mean +- sd)")
    acc_ax.set_ylabel("test accuracy % (mean +- sd)")
    acc_ax.set_xlabel("param_reduction p (fraction of the constrained layer's weights removed)")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    # The %usage at each p on a top axis of the upper panel.
    top = loss_ax.twiny()
    top.set_xlim(loss_ax.get_xlim())
    shown = ps if len(ps) <= 12 else ps[:: math.ceil(len(ps) / 12)]
    top.set_xticks(shown)
    top.set_xticklabels([f"{usage[ps.index(p)]:.0f}" for p in shown], fontsize=8)
    top.set_xlabel("% usage of the constrained layer", fontsize=9)
    n = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]}-{runs[-1]}"
    fig.suptitle(f"{os.path.basename(os.path.abspath(args.dir))}: {n} run(s) per p", fontsize=11)
    fig.tight_layout()

    plot_csv.save(fig, out)


if __name__ == "__main__":
    main()
