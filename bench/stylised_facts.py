"""Stylised-facts report: run the baseline over several seeds, test each fact.

A fact passes when it holds in at least 80 % of seeds. This is a report, not a unit test.
The money-shock facts use common random numbers: each pair runs the same seed (so the same
random streams, which depend only on seed, tick and purpose) with and without the shock.
Usage: python bench/stylised_facts.py [--model v2] [--seeds 20] [--burn-in 300] [--ticks 1000]
       [--households 8000] [--firms 100] [--banks 10] [--neutrality-seeds 10]
       [--charts DIR] [--set key=value ...]
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
                 "n_banks": args.banks, "model_version": args.model, **parse_sets(args.sets)}
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
            f = world.ctx.s.f
            # Firm size: consumption-goods firms (all firms in v1).
            cons = f.sector == 0 if world.config.v2 else np.ones(len(f), dtype=bool)
            sales.append(f.sales[cons].copy())
            workers.append(f.workers[cons].copy())
    h = world.ctx.s.h
    wealth = h.dep + (h.equity if world.config.v2 else 0)
    return {"rows": rows, "sales": np.array(sales), "workers": np.array(workers),
            "wealth": wealth}


def facts(run: dict) -> dict[str, tuple[float | str, bool]]:
    rows = run["rows"]
    col = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in rows[0]
           if isinstance(rows[0][k], int | float)}
    # Real GDP in units = final sales (consumption, government and, in v2, capital goods)
    # plus the change in inventories (units that perish are not output).
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
    gi = gini(run["wealth"])
    out["Gini of household wealth (0.3-0.8)"] = (gi, 0.3 <= gi <= 0.8)
    return out


def neutrality(seed: int, args: argparse.Namespace) -> dict[str, tuple[float | str, bool]]:
    """Income shock of 10 % of M at the end of burn-in against the same seed without it.

    Common random numbers: both runs draw from the same streams (seed, tick, purpose), so
    they differ only by the shock and what it causes.
    """
    base = run_seed(seed, args)["rows"]
    shocked = run_seed(seed, args, income_shock=True)["rows"]
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
    peak = float(np.max(y1[:40] / y0[:40]) - 1) if len(y0) else 0.0
    return {
        "money shock: Y above baseline < 40 ticks": (duration, duration < 40),
        "money shock: CPI ends higher (~+10%)": (price_gap * 100, 0.03 <= price_gap <= 0.2),
        "money shock: Y back within 2%": (y_gap * 100, y_gap <= 0.02),
        "_peak": (peak * 100, True),
        "_paths": (np.log(y1 / y0), np.log(p1 / p0)),
    }


def pooled(paths: list[tuple[np.ndarray, np.ndarray]]) -> str:
    """The money shock averaged over the pairs: mean log gaps of output and CPI per tick."""
    n = min(len(y) for y, _ in paths)
    gy = np.mean([y[:n] for y, _ in paths], axis=0)
    m = min(len(p) for _, p in paths)
    gp = np.array([p[:m] for _, p in paths])
    above = np.flatnonzero(gy > 0.005)
    last = int(above.max() + 1) if len(above) else 0
    tail = gp[:, -max(20, m // 10):].mean(axis=1)
    se = float(tail.std(ddof=1) / np.sqrt(len(tail))) if len(tail) > 1 else 0.0
    end_gap = gy[-max(20, n // 10):].mean()
    return (f"pooled over {len(paths)} pairs: peak mean output gap {gy[:40].max() * 100:.2f} % "
            f"(tick {int(gy[:40].argmax()) + 1} after the shock), mean gap above 0.5 % until "
            f"tick {last}, mean output gap over the last 10 % {end_gap * 100:.2f} %, "
            f"CPI gap at the end {tail.mean() * 100:.2f} % (s.e. {se * 100:.2f})")


def charts(args: argparse.Namespace, seed: int, out_dir: Path) -> list[Path]:
    """PNG charts of one run: GDP, investment, unemployment, credit, wealth Lorenz curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = run_seed(seed, args)
    rows = run["rows"]
    ticks = np.array([r["tick"] for r in rows])
    out_dir.mkdir(parents=True, exist_ok=True)
    series = {
        "gdp": ("Real GDP (units sold + change in inventories)",
                np.array([r["gdp_real"] for r in rows[1:]])
                + np.diff([r["inventories"] for r in rows])),
        "investment": ("Investment (cents per tick)",
                       np.array([r.get("investment", 0) for r in rows[1:]])),
        "unemployment": ("Unemployment rate",
                         np.array([r["unemployment_rate"] for r in rows[1:]])),
        "credit": ("Loans outstanding (cents)", np.array([r["loans"] for r in rows[1:]])),
    }
    paths = []
    for name, (title, ys) in series.items():
        fig, ax = plt.subplots(figsize=(8, 3))
        ax.plot(ticks[1:], ys, lw=0.8)
        ax.set_title(f"{title}, {args.model}, seed {seed}")
        ax.set_xlabel("tick")
        path = out_dir / f"{args.model}_{name}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    wealth = np.sort(np.maximum(run["wealth"].astype(np.float64), 0))
    cum = np.concatenate([[0], np.cumsum(wealth)]) / max(wealth.sum(), 1)
    pop = np.linspace(0, 1, len(cum))
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(pop, cum, label=f"wealth (Gini {gini(run['wealth']):.2f})")
    ax.plot([0, 1], [0, 1], "k--", lw=0.6, label="equality")
    ax.set_title(f"Lorenz curve of household wealth, {args.model}")
    ax.set_xlabel("share of households")
    ax.set_ylabel("share of wealth")
    ax.legend(loc="upper left")
    path = out_dir / f"{args.model}_wealth_lorenz.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("v1", "v2"), default="v2",
                        help="model_version of every world (default v2, what new worlds get)")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--burn-in", type=int, default=300)
    parser.add_argument("--ticks", type=int, default=1000)
    parser.add_argument("--households", type=int, default=8000)
    parser.add_argument("--firms", type=int, default=100)
    parser.add_argument("--banks", type=int, default=10)
    parser.add_argument("--set", action="append", dest="sets", metavar="KEY=VALUE",
                        help="override a baseline parameter, e.g. --set z_c=5")
    parser.add_argument("--neutrality-seeds", type=int, default=10,
                        help="seed pairs for the money-shock experiment (common random numbers)")
    parser.add_argument("--charts", type=Path, default=None, metavar="DIR",
                        help="save PNG charts of the first seed's run in DIR")
    args = parser.parse_args()
    results: dict[str, list[tuple[float | str, bool]]] = {}
    for seed in range(1, args.seeds + 1):
        measured = facts(run_seed(seed, args))
        for name, value in measured.items():
            results.setdefault(name, []).append(value)
        shown = "; ".join(f"{name.split(' (')[0]}={v if isinstance(v, str) else f'{v:.3g}'}"
                          for name, (v, _) in measured.items())
        print(f"seed {seed}: {shown}", file=sys.stderr, flush=True)
    peaks, paths = [], []
    for seed in range(1, args.neutrality_seeds + 1):
        measured = neutrality(seed, args)
        peaks.append(measured.pop("_peak")[0])
        paths.append(measured.pop("_paths"))
        for name, value in measured.items():
            results.setdefault(name, []).append(value)
        print(f"pair {seed}: " + "; ".join(f"{k.split(': ')[1]}={v[0]:.3g}"
                                           for k, v in measured.items()),
              file=sys.stderr, flush=True)
    print(f"model {args.model}, {args.seeds} seeds, burn-in {args.burn_in}, {args.ticks} ticks, "
          f"{args.households} households; money shock over {args.neutrality_seeds} CRN pairs")
    print(f"{'fact':<45} {'median':>22} {'held':>7}  verdict")
    passed = 0
    for name, values in results.items():
        held = sum(ok for _, ok in values)
        nums = [v for v, _ in values if isinstance(v, float | int)]
        shown = f"{float(np.median(nums)):.3f}" if nums else _median_text(values)
        verdict = held >= PASS_SHARE * len(values)
        passed += verdict
        print(f"{name:<45} {shown:>22} {held:>3}/{len(values):<3}  "
              f"{'PASS' if verdict else 'fail'}")
    print(f"{passed}/{len(results)} facts pass")
    if peaks:
        print(f"money shock: median peak output gap in the first 40 ticks {np.median(peaks):.2f} %")
        print(f"money shock, {pooled(paths)}")
    if args.charts:
        for path in charts(args, 1, args.charts):
            print(f"chart: {path}")


def _median_text(values: list[tuple[float | str, bool]]) -> str:
    """Median of 'slope (t=..)' / 'slope (R2=..)' texts: median slope and median statistic."""
    slopes, stats = [], []
    label = ""
    for text, _ in values:
        head, _, tail = str(text).partition(" (")
        slopes.append(float(head))
        label, _, num = tail.rstrip(")").partition("=")
        stats.append(float(num))
    return f"{np.median(slopes):.3f} ({label}={np.median(stats):.2f})"


if __name__ == "__main__":
    main()
