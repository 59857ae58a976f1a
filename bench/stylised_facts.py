"""Stylised-facts report: run the baseline over several seeds, test each fact.

A fact passes when it holds in at least 80 % of seeds. This is a report, not a unit test.
Usage: python bench/stylised_facts.py [--seeds 20] [--burn-in 300] [--ticks 1000]
       [--households 8000] [--firms 100] [--banks 10] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulations.engine import World
from simulations.engine.headless import parse_sets

PASS_SHARE = 0.8


def hp_cycle(y: np.ndarray, lam: float = 1600.0) -> np.ndarray:
    """Hodrick-Prescott cyclical component (dense solve; fine for a few thousand points)."""
    n = len(y)
    d = np.zeros((n - 2, n))
    idx = np.arange(n - 2)
    d[idx, idx], d[idx, idx + 1], d[idx, idx + 2] = 1.0, -2.0, 1.0
    trend = np.linalg.solve(np.eye(n) + lam * d.T @ d, y)
    return y - trend


def corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def ols_nw(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """Slope, Newey-West t statistic and R^2 of y = a + b x."""
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    n = len(y)
    lags = int(4 * (n / 100) ** (2 / 9))
    xe = X * e[:, None]
    s = xe.T @ xe
    for k in range(1, lags + 1):
        w = 1 - k / (lags + 1)
        g = xe[k:].T @ xe[:-k]
        s += w * (g + g.T)
    inv = np.linalg.inv(X.T @ X)
    cov = inv @ s @ inv
    se = float(np.sqrt(max(cov[1, 1], 1e-300)))
    r2 = 1 - float(e.var()) / float(y.var()) if y.var() > 0 else 0.0
    return float(beta[1]), float(beta[1]) / se, r2


def skew(a: np.ndarray) -> float:
    s = a.std()
    return float(((a - a.mean()) ** 3).mean() / s**3) if s > 0 else 0.0


def gini(a: np.ndarray) -> float:
    a = np.sort(np.maximum(a.astype(np.float64), 0))
    n = len(a)
    return float((2 * np.arange(1, n + 1) - n - 1) @ a / (n * a.sum())) if a.sum() > 0 else 0.0


def run_seed(seed: int, args: argparse.Namespace, income_shock: bool = False) -> dict:
    overrides = {"n_households": args.households, "n_firms": args.firms,
                 "n_banks": args.banks, **parse_sets(args.sets)}
    world = World.create("baseline", overrides, seed=seed)
    rows, sales, workers = [], [], []
    total = args.burn_in + args.ticks
    for t in range(1, total + 1):
        if income_shock and t == args.burn_in:
            money = int(world.ctx.s.h.dep.sum()) + int(world.ctx.s.f.dep.sum())
            world.add_shock({"type": "income", "target": {"all": True},
                             "params": {"cents_per_household":
                                        min(10**9, money // 10 // args.households)},
                             "start_tick": t + 1})
        agg = world.step().aggregates
        if t > args.burn_in:
            rows.append(agg)
            sales.append(world.ctx.s.f.sales.copy())
            workers.append(world.ctx.s.f.workers.copy())
    return {"rows": rows, "sales": np.array(sales), "workers": np.array(workers),
            "deposits": world.ctx.s.h.dep.copy()}


def facts(run: dict) -> dict[str, tuple[float | str, bool]]:
    rows = run["rows"]
    col = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in rows[0]
           if isinstance(rows[0][k], int | float)}
    # Real GDP in units = final sales plus the change in inventories (units that perish are
    # not output), so it differs from employment x productivity by waste and stock building.
    real = col["gdp_real"][1:] + np.diff(col["inventories"])
    col = {k: v[1:] for k, v in col.items()}
    y = np.log(np.maximum(real, 1))
    yc = hp_cycle(y)
    u = col["unemployment_rate"]
    uc = hp_cycle(u)
    real_c = col["consumption"] / col["cpi"]
    cc = hp_cycle(np.log(np.maximum(real_c, 1)))
    out: dict[str, tuple[float | str, bool]] = {}
    sd = float(yc.std())
    ac = corr(yc[1:], yc[:-1])
    flips = np.flatnonzero(np.sign(yc[1:]) != np.sign(yc[:-1]))
    half = float(len(yc) / max(len(flips), 1))
    out["cycle std of log real GDP (0.5-5%)"] = (sd * 100, 0.005 <= sd <= 0.05)
    out["cycle lag-1 autocorrelation (0.5-0.95)"] = (ac, 0.5 <= ac <= 0.95)
    out["mean half-cycle, ticks (4-32)"] = (half, 4 <= half <= 32)
    viable = float(((u >= 0.02) & (u <= 0.25)).mean())
    out["u in [2%, 25%] share of ticks (>= 95%)"] = (viable * 100, viable >= 0.95)
    cu = corr(uc, yc)
    out["corr(u^c, Y^c) (< -0.5)"] = (cu, cu < -0.5)
    rel = float(cc.std() / yc.std()) if yc.std() > 0 else 0.0
    out["sd(C^c)/sd(Y^c) (0.5-1.2)"] = (rel, 0.5 <= rel <= 1.2)
    tpy = 4
    wi = np.log(col["avg_wage"][tpy:] / col["avg_wage"][:-tpy])
    slope, tstat, _ = ols_nw(wi, u[tpy:])
    out["Phillips (wages) slope<0, t<-2"] = (f"{slope:.3f} (t={tstat:.1f})",
                                             slope < 0 and tstat < -2)
    pi = np.log(col["cpi"][tpy:] / col["cpi"][:-tpy])
    slope, tstat, _ = ols_nw(pi, u[tpy:])
    out["Phillips (CPI) slope<0, t<-2"] = (f"{slope:.3f} (t={tstat:.1f})",
                                           slope < 0 and tstat < -2)
    du = (u[tpy:] - u[:-tpy]) * 100
    gy = (y[tpy:] - y[:-tpy]) * 100
    slope, _, r2 = ols_nw(du, gy)
    out["Okun slope in [-0.6,-0.1], R2>0.3"] = (f"{slope:.3f} (R2={r2:.2f})",
                                                -0.6 <= slope <= -0.1 and r2 > 0.3)
    bc = corr(col["vacancy_rate"], u)
    out["Beveridge corr(v, u) (< -0.3)"] = (bc, bc < -0.3)
    emp, sal = run["workers"][-1].astype(np.float64), run["sales"][-1].astype(np.float64)
    sk = min(skew(emp), skew(sal))
    mm = min(emp.mean() / max(np.median(emp), 1), sal.mean() / max(np.median(sal), 1))
    out["firm size skewness (> 1)"] = (sk, sk > 1)
    out["firm size mean/median (> 1.2)"] = (mm, mm > 1.2)
    s = run["sales"].astype(np.float64)
    ok = (s[1:] > 0) & (s[:-1] > 0)
    g = np.log(s[1:][ok] / s[:-1][ok])
    kurt = float(((g - g.mean()) ** 4).mean() / g.var() ** 2 - 3) if g.var() > 0 else 0.0
    out["excess kurtosis of firm growth (> 0)"] = (kurt, kurt > 0)
    lc = hp_cycle(np.log(np.maximum(col["loans"], 1)))
    cl = corr(lc, yc)
    out["corr(loans^c, Y^c) (> 0)"] = (cl, cl > 0)
    cb = corr(col["bankruptcies"], yc)
    out["corr(bankruptcies, Y^c) (< 0)"] = (cb, cb < 0)
    rate = float(col["bankruptcies"].mean() * 100)
    out["firm bankruptcies per 100 ticks (1-10)"] = (rate, 1 <= rate <= 10)
    gi = gini(run["deposits"])
    out["Gini of deposits (0.3-0.8)"] = (gi, 0.3 <= gi <= 0.8)
    return out


def neutrality(seed: int, args: argparse.Namespace) -> dict[str, tuple[float | str, bool]]:
    """Income shock of 10 % of M at the end of burn-in, against the same seed without it."""
    base = run_seed(seed, args)["rows"]
    shocked = run_seed(seed, args, income_shock=True)["rows"]
    # Paths diverge tick by tick after any change, so compare 8-tick moving averages.
    kernel = np.ones(8) / 8
    y0 = np.convolve([r["production"] for r in base], kernel, mode="valid")
    y1 = np.convolve([r["production"] for r in shocked], kernel, mode="valid")
    p0 = np.array([r["cpi"] for r in base])
    p1 = np.array([r["cpi"] for r in shocked])
    above = np.flatnonzero(y1 > y0 * 1.005)
    duration = int(above.max() + 1) if len(above) else 0
    tail = slice(-max(20, len(y0) // 10), None)
    price_gap = float(np.mean(p1[tail] / p0[tail]) - 1)
    y_gap = float(abs(np.mean(y1[tail] / y0[tail]) - 1))
    return {
        "money shock: Y above baseline < 40 ticks": (duration, duration < 40),
        "money shock: CPI ends higher (~+10%)": (price_gap * 100, 0.03 <= price_gap <= 0.2),
        "money shock: Y back within 2%": (y_gap * 100, y_gap <= 0.02),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--burn-in", type=int, default=300)
    parser.add_argument("--ticks", type=int, default=1000)
    parser.add_argument("--households", type=int, default=8000)
    parser.add_argument("--firms", type=int, default=100)
    parser.add_argument("--banks", type=int, default=10)
    parser.add_argument("--set", action="append", dest="sets", metavar="KEY=VALUE",
                        help="override a baseline parameter, e.g. --set z_c=5")
    parser.add_argument("--neutrality-seeds", type=int, default=3,
                        help="seeds for the (costly, paired) money-neutrality experiment")
    args = parser.parse_args()
    results: dict[str, list[tuple[float | str, bool]]] = {}
    for seed in range(1, args.seeds + 1):
        measured = facts(run_seed(seed, args))
        for name, value in measured.items():
            results.setdefault(name, []).append(value)
        shown = "; ".join(f"{name.split(' (')[0]}={v if isinstance(v, str) else f'{v:.3g}'}"
                          for name, (v, _) in measured.items())
        print(f"seed {seed}: {shown}", file=sys.stderr, flush=True)
    for seed in range(1, args.neutrality_seeds + 1):
        for name, value in neutrality(seed, args).items():
            results.setdefault(name, []).append(value)
    print(f"{'fact':<45} {'median / first value':>22} {'held':>7}  verdict")
    passed = 0
    for name, values in results.items():
        held = sum(ok for _, ok in values)
        nums = [v for v, _ in values if isinstance(v, float | int)]
        shown = f"{float(np.median(nums)):.3f}" if nums else str(values[0][0])
        verdict = held >= PASS_SHARE * len(values)
        passed += verdict
        print(f"{name:<45} {shown:>22} {held:>3}/{len(values):<3}  "
              f"{'PASS' if verdict else 'fail'}")
    print(f"{passed}/{len(results)} facts pass")


if __name__ == "__main__":
    main()
