"""Exact SIMEX recursion (Godley & Lavoie, Monetary Economics, 2007, section 3.7), the
reference path of the SIM-mode tests."""

from __future__ import annotations


def simex_path(g: float, theta: float, a1: float, a2: float, ticks: int, h0: float = 0.0,
               yd0: float = 0.0) -> list[dict[str, float]]:
    """C_t = a1*YD_{t-1} + a2*H_{t-1}; Y = C + G; YD = (1-theta)Y; H += YD - C."""
    out, yd, h = [], yd0, h0
    for _ in range(ticks):
        c = a1 * yd + a2 * h
        y = c + g
        yd = (1 - theta) * y
        h = h + yd - c
        out.append({"y": y, "c": c, "yd": yd, "h": h})
    return out
