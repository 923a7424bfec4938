#!/usr/bin/env python3
"""Plots a murine run's losses.csv to RUN_DIR/losses.png (matplotlib).

usage: tools/plot_run.py RUN_DIR [--out FILE]
Each loss column (d_loss, g_loss, n_loss, i_loss, ...) is drawn per step, faint, with a moving
average over 2% of the run on top.
"""
import argparse
import csv
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--out", help="output PNG (default RUN_DIR/losses.png)")
    args = ap.parse_args()
    path = os.path.join(args.run_dir, "losses.csv")
    if not os.path.exists(path):
        sys.exit(f"plot_run.py: {path} does not exist")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_run.py: matplotlib is missing (pip install matplotlib, or apt-get install python3-matplotlib)")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"plot_run.py: {path} has no rows yet")
    steps = [int(r["step"]) for r in rows]
    columns = [c for c in rows[0] if c != "step"]
    window = max(1, len(rows) // 50)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for column in columns:
        values = [float(r[column]) for r in rows]
        line, = ax.plot(steps, values, alpha=0.25, linewidth=0.8)
        smooth = [sum(values[max(0, i - window + 1):i + 1]) / (i + 1 - max(0, i - window + 1)) for i in range(len(values))]
        ax.plot(steps, smooth, color=line.get_color(), label=f"{column} (mean over {window} steps)")
    all_values = [float(r[c]) for r in rows for c in columns]
    positive = [v for v in all_values if v > 0]
    if len(positive) == len(all_values) and max(positive) > 100 * min(positive):
        ax.set_yscale("log")  # e.g. the DDIM's image loss, far above its noise loss early on
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(os.path.basename(os.path.abspath(args.run_dir)))
    ax.grid(alpha=0.3)
    ax.legend()
    out = args.out or os.path.join(args.run_dir, "losses.png")
    tmp = out + ".tmp.png"
    fig.tight_layout()
    fig.savefig(tmp)
    os.replace(tmp, out)  # atomic: a crash never leaves a half-written plot
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
