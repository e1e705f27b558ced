"""Inference risk (after Anonymeter): knowing a person's quasi-identifiers, guess their sensitive value.

The attacker takes the synthetic row nearest on the quasi-identifiers (same exact
mixed-type distance as DCR) and reads its sensitive value. Success is an exact
match (categorical) or a relative error <= 5% (numerical). The attack runs on
``n_attacks`` production (training) rows and on as many holdout (control) rows;
the risk is Anonymeter's residual success (train - control) / (1 - control), with
Wilson score rates and the error propagated to a 95% confidence interval. A naive
baseline guesses the secret of a random synthetic row, aligned by position (not
by index: Anonymeter 1.1.0 reindexes those guesses onto the targets, turning most
of them into NaN). Every sample is drawn from a recorded seed.
"""
from __future__ import annotations

from math import sqrt
from statistics import NormalDist

import numpy as np
import pandas as pd

from synthaudit.leak import dcr as dcr_mod
from synthaudit.leak.parts import INFERENCE_RISK, PartResult
from synthaudit.leak.schema import infer_kind

PART = INFERENCE_RISK


def wilson(n_success: int, n_total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Anonymeter's success rate: Wilson score centre and half-width."""
    z = NormalDist().inv_cdf(0.5 * (1 + confidence))
    z2 = z * z
    var = n_success * (n_total - n_success) / n_total
    denom = n_total + z2
    return (n_success + 0.5 * z2) / denom, (z / denom) * sqrt(var + 0.25 * z2)


def residual_risk(attack: tuple[float, float], control: tuple[float, float]) -> tuple[float, float, float]:
    """(risk, ci_low, ci_high) bounded to [0, 1], as Anonymeter's residual_success + bind_value."""
    a, ea = attack
    c, ec = control
    if c >= 1.0:
        return 0.0, 0.0, 1.0
    value = (a - c) / (1 - c)
    err = sqrt((ea / abs(1 - c)) ** 2 + (ec * (a - 1) / (1 - c) ** 2) ** 2)
    clip = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    return clip(value), clip(value - err), clip(value + err)


def _successes(guesses: np.ndarray, secrets: np.ndarray, numeric: bool, tolerance: float) -> np.ndarray:
    if numeric:
        g = pd.to_numeric(pd.Series(guesses), errors="coerce").to_numpy(dtype=float)
        s = pd.to_numeric(pd.Series(secrets), errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ok = np.abs(g - s) / (np.abs(g) + 1e-12) <= tolerance
        return ok | (np.isnan(g) & np.isnan(s))
    g = pd.Series(guesses).astype(object)
    s = pd.Series(secrets).astype(object)
    return ((g == s) | (g.isna() & s.isna())).to_numpy()


def _attack(targets: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], secret: str,
            numeric: bool, tolerance: float, engine: str) -> np.ndarray:
    nearest = dcr_mod.nearest(dcr_mod.encode(targets, synthetic, kinds), engine=engine).nearest
    guesses = synthetic[secret].to_numpy()[nearest]
    return _successes(guesses, targets[secret].to_numpy(), numeric, tolerance)


def inference_risk(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, qis: list[str],
                   secrets: list[str], *, n_attacks: int, seed: int, max_risk: float, tolerance: float = 0.05,
                   confidence: float = 0.95, engine: str = "auto") -> PartResult:
    qis = [c for c in qis if c in synthetic.columns]
    secrets = [c for c in secrets if c in synthetic.columns and c not in qis]
    if holdout is None or not len(holdout):
        return PART.not_assessed("no holdout (control) rows: the risk is measured against a "
                            "control attack; give the dataset a holdout", n_attacks=n_attacks, seed=seed)
    if not len(real) or not len(synthetic):
        return PART.not_assessed("production or synthetic table has no rows",
                            n_attacks=n_attacks, seed=seed)
    if not qis or not secrets:
        return PART.not_assessed("needs quasi-identifier and sensitive columns in the synthetic "
                            "output (roles quasi_identifier and sensitive)", n_attacks=n_attacks, seed=seed)
    kinds = {c: (infer_kind(c, real[c])[0] or dcr_mod.CATEGORICAL) for c in qis}
    rng = np.random.default_rng(seed)
    n_train = min(n_attacks, len(real))
    n_control = min(n_attacks, len(holdout))
    train_pos = np.sort(rng.choice(len(real), n_train, replace=False))
    control_pos = np.sort(rng.choice(len(holdout), n_control, replace=False))
    baseline_pos = rng.choice(len(synthetic), n_train, replace=True)
    per_secret, worst = {}, None
    for secret in secrets:
        numeric = infer_kind(secret, real[secret])[0] == dcr_mod.NUMERICAL
        train_t, control_t = real.iloc[train_pos], holdout.iloc[control_pos]
        ok_train = _attack(train_t, synthetic, kinds, secret, numeric, tolerance, engine)
        ok_control = _attack(control_t, synthetic, kinds, secret, numeric, tolerance, engine)
        base_guess = synthetic[secret].to_numpy()[baseline_pos]  # positional: every guess is a real value
        ok_base = _successes(base_guess, train_t[secret].to_numpy(), numeric, tolerance)
        a, c, b = wilson(int(ok_train.sum()), n_train, confidence), wilson(int(ok_control.sum()), n_control, confidence), \
            wilson(int(ok_base.sum()), n_train, confidence)
        risk, lo, hi = residual_risk(a, c)
        entry = {"regression": numeric, "attack_success": int(ok_train.sum()), "control_success": int(ok_control.sum()),
                 "baseline_success": int(ok_base.sum()), "attack_rate": a[0], "control_rate": c[0], "baseline_rate": b[0],
                 "risk": risk, "ci_low": lo, "ci_high": hi}
        per_secret[secret] = entry
        if worst is None or lo > per_secret[worst]["ci_low"]:
            worst = secret
    top = per_secret[worst]
    status = "FAIL" if top["ci_low"] > max_risk else "PASS"
    return PART.result(
        status,
        metrics={"risk": top["risk"], "ci_low": top["ci_low"], "ci_high": top["ci_high"], "worst_secret": worst,
                 "per_secret": per_secret},
        parameters={"auxiliary_columns": qis, "auxiliary_kinds": kinds, "secrets": secrets, "n_attacks_train": n_train,
                    "n_attacks_control": n_control, "seed": seed, "confidence": confidence, "tolerance": tolerance,
                    "max_risk": max_risk, "rule": "FAIL when the CI lower bound exceeds max_risk",
                    "sampling": "numpy default_rng(seed): train targets, control targets, baseline rows (in that order)"},
    )
