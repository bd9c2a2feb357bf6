#!/usr/bin/env python3
"""Does the loader's confidence rank its claims? Runs the dry-run over a
corpus with gold files, matches predictions to gold exactly as the scorer
does (its own functions, imported from ../shared/tools/score.py), and prints
the precision of the top half of all predicted claims by confidence, of the
bottom half, and overall, at two levels:

  attribution: the claim matches a gold claim (overlapping span, same party)
  end-to-end:  it matches with an acceptable stance and the same top-level
               issues as well (the scorer's strict match)

Claims matching an optional gold claim (required: false) are left out: the
scorer neither rewards nor penalises them. Ties in confidence are broken by
article order, so the split is deterministic.

    bench/confidence.py [--cmd 'build/parley load --dry-run --json']
                        [--scorer ../shared/tools/score.py] [DIR ...]
"""
import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("parley_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def precision(rows):
    return sum(rows) / len(rows) if rows else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*",
                    default=[os.path.join(ROOT, "..", "shared", "corpus")])
    ap.add_argument("--cmd", default=os.path.join(ROOT, "build", "parley")
                    + " load --dry-run --json")
    ap.add_argument("--scorer",
                    default=os.path.join(ROOT, "..", "shared", "tools", "score.py"))
    ap.add_argument("--verbose", action="store_true",
                    help="list every claim with its confidence and verdict")
    args = ap.parse_args()
    score = load_scorer(args.scorer)

    rows = []  # (confidence, order, attribution_ok, e2e_ok, label)
    for d in args.dirs:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".txt"):
                continue
            gpath = os.path.join(d, name[:-4] + ".gold.json")
            if not os.path.exists(gpath):
                continue
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                text = f.read()
            with open(gpath, encoding="utf-8") as f:
                gold = json.load(f)
            run = subprocess.run(shlex.split(args.cmd) + [path],
                                 capture_output=True, check=True)
            out = json.loads(run.stdout.decode("utf-8"))
            golds = score.gold_spans(text, gold)
            preds = out.get("claims") or []
            loose = dict(score.match(preds, golds, gold, strict=False))
            strict = dict(score.match(preds, golds, gold, strict=True))
            for pi, p in enumerate(preds):
                gi = loose.get(pi)
                if gi is not None and not golds[gi][2].get("required", True):
                    continue  # optional gold: neither right nor wrong
                rows.append((float(p.get("confidence", 0.0)), len(rows),
                             gi is not None, pi in strict,
                             f"{name[:28]} {p.get('party')!s:14} "
                             f"{p.get('speaker')!s:22} {p.get('text', '')[:50]!r}"))

    if not rows:
        print("no claims", file=sys.stderr)
        return 2
    ranked = sorted(rows, key=lambda r: (-r[0], r[1]))
    half = len(ranked) // 2
    top, bottom = ranked[:half], ranked[half:]
    if args.verbose:
        for r in ranked:
            print(f"{r[0]:.3f} attr={'ok' if r[2] else 'NO'} "
                  f"e2e={'ok' if r[3] else 'NO'} {r[4]}")
    print(f"claims ranked: {len(ranked)} (top {len(top)}, bottom {len(bottom)}); "
          f"confidence top half {top[-1][0]:.3f}..{top[0][0]:.3f}, "
          f"bottom half {bottom[-1][0]:.3f}..{bottom[0][0]:.3f}")
    for level, k in (("attribution", 2), ("end-to-end", 3)):
        print(f"{level:12} precision: top half {precision([r[k] for r in top]):.3f}  "
              f"bottom half {precision([r[k] for r in bottom]):.3f}  "
              f"overall {precision([r[k] for r in ranked]):.3f}  "
              f"(errors: {sum(1 for r in ranked if not r[k])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
