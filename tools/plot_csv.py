"""What the experiment plots share (tools/plot_compare.py, plot_sweep.py, plot_mask.py): the command line
`SCRIPT DIR [--out FILE]`, reading DIR/<name>.csv with its columns checked, matplotlib, and the atomic
write of the PNG. Every failure ends the script with one line naming it and the file."""
import argparse
import csv
import os
import sys


def load(script, doc, csv_name, columns):
    """Parses the command line; returns (args, rows, plt, out) where rows are the CSV's dicts and out is
    the PNG to write (--out, or DIR/<csv_name>.png)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("dir", help=f"the experiment's output directory (holds {csv_name}.csv)")
    ap.add_argument("--out", help=f"output PNG (default DIR/{csv_name}.png)")
    args = ap.parse_args()
    path = os.path.join(args.dir, csv_name + ".csv")
    if not os.path.exists(path):
        sys.exit(f"{script}: {path} does not exist")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit(f"{script}: matplotlib is missing (pip install matplotlib, or apt-get install python3-matplotlib)")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{script}: {path} lacks the column(s) {', '.join(missing)} (header: {','.join(columns)})")
        rows = list(reader)
    if not rows:
        sys.exit(f"{script}: {path} has no rows")
    return args, rows, plt, args.out or os.path.join(args.dir, csv_name + ".png")


def save(fig, out):
    """Writes the figure to `out` atomically: a crash never leaves a half-written plot."""
    tmp = out + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, out)
    print(f"wrote {out}")
