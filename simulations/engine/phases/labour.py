"""P4: the labour market: separations, feasible hiring, matching, on-the-job search."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..money import PPM, largest_remainder
from ..rng import Stream
from .plans import tick_share


def run(w: Context) -> None:
    if w.sim:
        _sim(w)
        return
    cfg, h, f = w.cfg, w.s.h, w.s.f
    rng = w.rng(Stream.LABOUR)
    n_h, n_f = len(h), len(f)
    employed = h.employer >= 0
    # Separations: health (no endowment), non-participation, quits, turnover, script firings.
    sep = employed & ((h.endow == 0) | ~h.participate)
    sep |= employed & (rng.random(n_h) < cfg.turnover)
    for hid, d in w.decisions.household.items():
        if d.quit_job and employed[hid]:
            sep[hid] = True
    for fid, d in w.decisions.firm.items():
        for hid in d.fire_ids or ():
            if h.employer[hid] == fid:
                sep[hid] = True
    h.employer = np.where(sep, -1, h.employer)
    # Feasible hiring: never more staff than the deposit can pay (rule 6).
    feasible = np.minimum(f.target, f.dep // np.maximum(f.wage, 1))
    staff = np.bincount(h.employer[h.employer >= 0], minlength=n_f)
    excess = np.maximum(0, staff - feasible)
    if excess.any():
        emp_ids = np.flatnonzero(h.employer >= 0)
        key = rng.random(len(emp_ids))
        by_firm = np.lexsort((key, h.employer[emp_ids]))
        ordered = emp_ids[by_firm]
        firm_of = h.employer[ordered]
        starts = np.searchsorted(firm_of, np.arange(n_f))
        rank = np.arange(len(ordered)) - starts[firm_of]
        fire = ordered[rank < excess[firm_of]]
        h.employer[fire] = -1
        staff = np.bincount(h.employer[h.employer >= 0], minlength=n_f)
    vac = np.maximum(0, feasible - staff)
    had_vacancy = vac > 0
    vac_list = vac.tolist()
    wage = f.wage.tolist()
    seekers = np.flatnonzero((h.employer < 0) & h.participate & (h.endow > 0))
    if len(seekers) and had_vacancy.any():
        seekers = seekers[rng.permutation(len(seekers))]
        samples = rng.integers(0, n_f, size=(len(seekers), cfg.z_e))
        order = np.argsort(-f.wage[samples], axis=1, kind="stable")
        ranked = np.take_along_axis(samples, order, axis=1).tolist()
        res_w = h.res_wage[seekers]
        if cfg.v2:  # offers are per unit of skill; a household compares its own pay
            res_w = res_w * PPM / h.skill[seekers]
        res_w = res_w.tolist()
        emp = h.employer
        for k, hid in enumerate(seekers.tolist()):
            for fid in ranked[k]:
                if vac_list[fid] > 0 and wage[fid] >= res_w[k]:
                    vac_list[fid] -= 1
                    emp[hid] = fid
                    break
    # On-the-job search: one sampled firm, move if it has a vacancy and pays more.
    p_ojs = tick_share(cfg.ojs_prob, cfg.ticks_per_year)
    movers = np.flatnonzero((h.employer >= 0) & (rng.random(n_h) < p_ojs))
    if len(movers):
        target = rng.integers(0, n_f, size=len(movers)).tolist()
        emp = h.employer
        for k, hid in enumerate(movers.tolist()):
            fid, cur = target[k], int(emp[hid])
            if vac_list[fid] > 0 and wage[fid] > wage[cur] and fid != cur:
                vac_list[fid] -= 1
                vac_list[cur] += 1
                emp[hid] = fid
    f.vacancies = np.asarray(vac_list, dtype=np.int64)
    f.unfilled = f.vacancies > 0
    f.no_vac_ticks = np.where(had_vacancy, 0, f.no_vac_ticks + 1)
    _finish(w)


def _sim(w: Context) -> None:
    """Divisible labour: every household works for firm 0, hours spread equally."""
    h, f = w.s.h, w.s.f
    h.employer[:] = 0
    need = int(f.target[0])
    h.hours = largest_remainder(need, np.ones(len(h), dtype=np.int64))
    f.vacancies[:] = 0
    f.unfilled[:] = False
    f.workers[:] = len(h)
    h.wage = f.wage[h.employer]
    h.unemp_hist[:] = 0


def _finish(w: Context) -> None:
    h, f = w.s.h, w.s.f
    employed = h.employer >= 0
    h.hours = employed.astype(np.int64)
    h.wage = np.where(employed, f.wage[np.maximum(h.employer, 0)], 0)
    if w.cfg.v2:
        h.wage = (h.wage * h.skill) // PPM
    f.workers = np.bincount(h.employer[employed], minlength=len(f))
    unemployed_now = (~employed & h.participate).astype(np.int64)
    h.unemp_hist = ((h.unemp_hist << 1) | unemployed_now) & 0xF
