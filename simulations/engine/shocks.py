"""Admin shocks: validation, target selection, and application in P9 (income at P7(3))."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .context import Context
from .errors import ConfigError
from .rng import Stream, stream

SHOCK_TYPES = ("unemployment", "income", "preference", "health", "productivity",
               "policy_override")
_POLICY_KEYS = {
    "policy_rate": (0.0, 0.25), "reserve_rate": (0.0, 0.25), "income_tax": (0.0, 0.9),
    "profit_tax": (0.0, 0.9), "purchases_units": (0, 10**15), "benefit_ratio": (0.0, 1.5),
    "transfer_per_household_cents": (0, 10**9),
}
_PARAMS: dict[str, dict[str, tuple]] = {
    "unemployment": {},
    "income": {"cents_per_household": (int, -(10**9), 10**9, True)},
    "preference": {"factor": (float, 0.0, 3.0, True)},
    "health": {"hazard": (float, 0.0, 1.0, False)},
    "productivity": {"factor": (float, 0.1, 10.0, True)},
}


def validate_shock(raw: Any, n_households: int, n_firms: int, now: int) -> dict[str, Any]:
    """Check a shock request; return a normalized dict or raise ConfigError naming the field."""
    if not isinstance(raw, dict):
        raise ConfigError("shock", "an object required")
    unknown = set(raw) - {"type", "target", "params", "start_tick", "duration_ticks"}
    if unknown:
        raise ConfigError(sorted(unknown)[0], "unknown field")
    typ = raw.get("type")
    if typ not in SHOCK_TYPES:
        raise ConfigError("type", f"one of {list(SHOCK_TYPES)} required")
    start = raw.get("start_tick", now + 1)
    if not _is_int(start) or start <= now:
        raise ConfigError("start_tick", f"int > current tick {now} required")
    dur = raw.get("duration_ticks", 1)
    if not _is_int(dur) or not 1 <= dur <= 10**6:
        raise ConfigError("duration_ticks", "int in [1, 1000000] required")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError("params", "an object required")
    clean = _params(typ, params)
    n = n_firms if typ == "productivity" else n_households
    target = _target(raw.get("target", {"all": True}), typ, n)
    return {"type": typ, "target": target, "params": clean, "start_tick": int(start),
            "duration_ticks": int(dur), "selected": None}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _params(typ: str, params: dict) -> dict[str, Any]:
    if typ == "policy_override":
        if not params:
            raise ConfigError("params", "at least one policy key required")
        out: dict[str, Any] = {}
        for key, value in params.items():
            if key not in _POLICY_KEYS:
                raise ConfigError(f"params.{key}", "unknown policy key")
            lo, hi = _POLICY_KEYS[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool) \
                and math.isfinite(value) and lo <= value <= hi
            if isinstance(lo, int) and not _is_int(value):
                ok = False
            if not ok:
                raise ConfigError(f"params.{key}", f"number in [{lo}, {hi}] required")
            out[key] = value
        return out
    spec = _PARAMS[typ]
    for key in params:
        if key not in spec:
            raise ConfigError(f"params.{key}", "unknown parameter")
    out = {}
    for key, (typ_, lo, hi, required) in spec.items():
        if key not in params:
            if required:
                raise ConfigError(f"params.{key}", "required")
            continue
        value = params[key]
        good = _is_int(value) if typ_ is int else (
            isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))
        if not good or not lo <= value <= hi:
            raise ConfigError(f"params.{key}", f"{typ_.__name__} in [{lo}, {hi}] required")
        out[key] = typ_(value)
    return out


def _target(raw: Any, typ: str, n: int) -> dict[str, Any]:
    if typ == "policy_override":
        return {"all": True}
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ConfigError("target", "exactly one of all, random_share, ids, unemployed, employed")
    (kind, value), = raw.items()
    if kind == "all":
        return {"all": True}
    if kind == "random_share":
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not 0 < value <= 1:
            raise ConfigError("target.random_share", "float in (0, 1] required")
        return {"random_share": float(value)}
    if kind == "ids":
        if not isinstance(value, list) or not value or not all(_is_int(v) for v in value):
            raise ConfigError("target.ids", "non-empty list of agent ids required")
        if min(value) < 0 or max(value) >= n:
            raise ConfigError("target.ids", f"ids in [0, {n - 1}] required")
        return {"ids": sorted(set(value))}
    if kind in ("unemployed", "employed") and typ != "productivity":
        return {kind: True}
    raise ConfigError("target", f"unknown target {kind!r}")


def _select(w: Context, shock: dict[str, Any], idx: int) -> np.ndarray:
    """Targets are drawn once, with the shock stream of the start tick."""
    if shock["selected"] is not None:
        return np.asarray(shock["selected"], dtype=np.int64)
    firms = shock["type"] == "productivity"
    n = len(w.s.f) if firms else len(w.s.h)
    tgt = shock["target"]
    if "ids" in tgt:
        sel = np.asarray(tgt["ids"], dtype=np.int64)
    elif "random_share" in tgt:
        rng = stream(w.seed, shock["start_tick"], Stream.SHOCK_TARGETS, idx)
        sel = np.flatnonzero(rng.random(n) < tgt["random_share"])
    elif "employed" in tgt:
        sel = np.flatnonzero(w.s.h.employer >= 0)
    elif "unemployed" in tgt:
        sel = np.flatnonzero((w.s.h.employer < 0) & w.s.h.participate)
    else:
        sel = np.arange(n)
    shock["selected"] = sel.tolist()
    return sel


def active(shock: dict[str, Any], t: int) -> bool:
    return shock["start_tick"] <= t < shock["start_tick"] + shock["duration_ticks"]


def income_transfers(w: Context) -> np.ndarray:
    """Per-household transfer of the active income shocks, paid at P7(3)."""
    out = np.zeros(len(w.s.h), dtype=np.int64)
    for idx, shock in enumerate(w.s.shocks):
        if shock["type"] == "income" and active(shock, w.t):
            out[_select(w, shock, idx)] += shock["params"]["cents_per_household"]
    return out


def run(w: Context) -> None:
    """P9: apply the active shocks; the state they change is read from t+1 on."""
    cfg, s, t = w.cfg, w.s, w.t
    h, f = s.h, s.f
    overrides: dict[str, Any] = {}
    for idx, shock in enumerate(s.shocks):
        typ = shock["type"]
        if typ == "policy_override":
            # Like every P9 shock, an override active at t is read from t+1 on (by P1).
            if active(shock, t):
                overrides.update(shock["params"])
            continue
        if not active(shock, t):
            continue
        sel = _select(w, shock, idx)
        if typ == "unemployment":
            h.employer[sel] = -1
        elif typ == "preference":
            h.kappa[sel] = shock["params"]["factor"]
            h.kappa_until[sel] = shock["start_tick"] + shock["duration_ticks"] + 1
        elif typ == "health":
            hazard = shock["params"].get("hazard")
            if hazard is not None:
                draw = stream(w.seed, t, Stream.SHOCK_HEALTH, idx).random(len(sel))
                sel = sel[draw < hazard]
            end = shock["start_tick"] + shock["duration_ticks"] + 1
            h.health_until[sel] = np.maximum(h.health_until[sel], end)
            h.employer[sel] = -1
    # Productivity factors of the shocks active at t hold for production from t+1 on.
    lam_next = np.ones(len(f))
    for idx, shock in enumerate(s.shocks):
        if shock["type"] == "productivity" and active(shock, t):
            lam_next[_select(w, shock, idx)] *= shock["params"]["factor"]
    f.lam = lam_next
    if cfg.health_hazard > 0:
        draw = stream(w.seed, t, Stream.HEALTH_HAZARD).random(len(h))
        sick = np.flatnonzero((draw < cfg.health_hazard) & (h.health_until <= t))
        h.health_until[sick] = t + 1 + cfg.health_duration
        h.employer[sick] = -1
    s.policy_overrides = overrides
    employed = h.employer >= 0
    h.wage = np.where(employed, h.wage, 0)
    h.hours = np.where(employed, h.hours, 0)
    f.workers = np.bincount(h.employer[employed], minlength=len(f))
    # Drop shocks that are over and can no longer matter.
    s.shocks = [x for x in s.shocks if x["start_tick"] + x["duration_ticks"] > t]
