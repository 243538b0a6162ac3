#!/usr/bin/env python3
"""Fit scikit-learn's LogisticRegression on the exact design matrix `groupmatch train` uses.

Peer comparison, run by hand (never in CI; needs numpy, pandas and scikit-learn):

    groupmatch simulate --seed 7 --people 200000 --groups 300 --placements 1000000 --out sim
    groupmatch train --history sim/history.csv --out sim/model.json --force
    groupmatch features --history sim/history.csv --out sim/X.csv
    python3 benches/peers/sklearn_logistic.py sim/X.csv --model sim/model.json

It standardises the training rows (holdout == 0) as `train` does, fits with lbfgs and the same
objective (mean log loss + l2/2 ||w||^2, i.e. C = 1 / (n * l2)), and prints the fit time and the
holdout AUC next to the figures stored in groupmatch's model file.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features", help="CSV written by `groupmatch features`")
    parser.add_argument("--model", help="model file written by `groupmatch train`, to compare")
    parser.add_argument("--l2", type=float, default=1e-4, help="same as `train --l2`")
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = pd.read_csv(args.features)
    load = time.perf_counter() - t0
    feature_cols = [c for c in data.columns if c not in ("placement_id", "person_id", "holdout", "engaged_90d")]
    x = data[feature_cols].to_numpy(dtype=np.float64)
    y = data["engaged_90d"].to_numpy()
    held = data["holdout"].to_numpy() == 1
    x_train, y_train = x[~held], y[~held]
    mean = x_train.mean(axis=0)
    scale = x_train.std(axis=0)
    scale[scale <= 1e-12] = 1.0
    x_train = (x_train - mean) / scale
    x_hold = (x[held] - mean) / scale

    n = len(y_train)
    clf = LogisticRegression(C=1.0 / (n * args.l2), solver="lbfgs", tol=args.tol, max_iter=1000)
    t0 = time.perf_counter()
    clf.fit(x_train, y_train)
    fit = time.perf_counter() - t0
    auc = roc_auc_score(y[held], clf.predict_proba(x_hold)[:, 1])
    print(f"rows {n} train / {held.sum()} holdout, {len(feature_cols)} features (csv load {load:.1f} s)")
    print(f"scikit-learn {__import__('sklearn').__version__} lbfgs: fit {fit:.3f} s, "
          f"{clf.n_iter_[0]} iterations, holdout auc {auc:.4f}")
    if args.model:
        with open(args.model) as f:
            training = json.load(f)["training"]
        print(f"groupmatch train:        fit {training['fit_seconds']:.3f} s, "
              f"{training['iterations']} iterations, holdout auc {training['metrics']['auc']:.4f}")


if __name__ == "__main__":
    main()
