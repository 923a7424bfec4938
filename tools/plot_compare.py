#!/usr/bin/env python3
"""Plots `murine experiment compare`'s DIR/compare.csv to DIR/compare.png (matplotlib).

usage: tools/plot_compare.py DIR [--out FILE]
Test error (1 - test_accuracy; the validation figures where a run has no test set) and test loss per
epoch, every run one thin line coloured by its variant, as the schizophrenia paper's figure of ten
constrained against ten fully connected runs. The legend names each variant with its %usage.
"""
import os
import sys

import plot_csv

COLUMNS = ["variant", "run", "seed", "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
           "test_loss", "test_accuracy", "usage_percent"]


def number(text):
    """A CSV field as a float, None when empty."""
    text = (text or "").strip()
    return float(text) if text else None


def main():
    args, rows, plt, out = plot_csv.load("plot_compare.py", __doc__, "compare", COLUMNS)
    path = os.path.join(args.dir, "compare.csv")
    from matplotlib.ticker import MaxNLocator

    # variant → run → [(epoch, error, loss)]; which split each figure came from.
    variants, usage, runs = [], {}, {}
    splits = set()
    for r in rows:
        v = r["variant"]
        if v not in runs:
            variants.append(v)
            runs[v] = {}
        if usage.get(v) is None:
            usage[v] = number(r["usage_percent"])
        accuracy, loss, split = number(r["test_accuracy"]), number(r["test_loss"]), "test"
        if accuracy is None:
            accuracy, loss, split = number(r["val_accuracy"]), number(r["val_loss"]), "validation"
        if accuracy is None:
            continue  # an epoch without an evaluated split
        splits.add(split)
        runs[v].setdefault(r["run"], []).append((int(r["epoch"]), 1.0 - accuracy, loss))
    if not splits:
        sys.exit(f"plot_compare.py: {path} has neither test nor validation figures")
    which = "test" if splits == {"test"} else "validation" if splits == {"validation"} else "test (validation where no test)"

    fig, (err_ax, loss_ax) = plt.subplots(2, 1, figsize=(8, 7.5), dpi=100, sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, v in enumerate(variants):
        colour = colours[i % len(colours)]
        n = len(runs[v])
        label = v + (f" ({usage[v]:.1f} % usage)" if usage[v] is not None else "") + f", {n} run{'s' if n != 1 else ''}"
        for k, points in enumerate(runs[v].values()):
            points.sort()
            epochs = [e for e, _, _ in points]
            style = dict(color=colour, linewidth=0.8, alpha=0.7, label=label if k == 0 else None)
            err_ax.plot(epochs, [err for _, err, _ in points], **style)
            loss_ax.plot(epochs, [float("nan") if l is None else l for _, _, l in points], **style)
    err_ax.set_ylabel(f"{which} error (1 - accuracy)")
    loss_ax.set_ylabel(f"{which} loss")
    loss_ax.set_xlabel("epoch")
    loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (err_ax, loss_ax):
        ax.grid(alpha=0.3)
    err_ax.legend(fontsize=9)
    err_ax.set_title(f"{os.path.basename(os.path.abspath(args.dir))}: every run, by variant", fontsize=11)
    fig.tight_layout()

    plot_csv.save(fig, out)


if __name__ == "__main__":
    main()
