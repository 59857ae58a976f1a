"""State hash (SHA-256) and a compact, versioned byte serialisation of a whole world.

Layout of `to_bytes`: b"ECONSIM" + format version (uint16 LE) + JSON length (uint32 LE) +
JSON metadata (scenario, config, seed, tick, public data, shocks, ...) + a compressed npz of
every state column. Restoring gives a world whose next ticks are bit-identical.

Works on a Context and its scenario name, so it needs nothing from world.py (World wraps it).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from typing import Any

import numpy as np

from .config import Config
from .context import Context
from .errors import EngineError
from .state import State

MAGIC = b"ECONSIM"
FORMAT_VERSION = 1
# Format 1 (and so the state hash) stores these public figures under the short names they had
# before each aggregate got one name; kept so stored checkpoints load and hashes stay
# comparable across the rename.
_FORMAT1_PUBLIC = {"unemployment_rate": "u_rate", "inflation_tick": "infl_tick",
                   "inflation_4t": "infl_4t", "gdp": "gdp_nominal",
                   "government_deficit": "gov_deficit", "government_debt": "gov_debt",
                   "loans": "total_loans"}
_FROM_FORMAT1 = {short: name for name, short in _FORMAT1_PUBLIC.items()}


def _meta(ctx: Context, scenario: str) -> dict[str, Any]:
    s = ctx.s
    public = {_FORMAT1_PUBLIC.get(k, k): v for k, v in s.public.items()}
    return {
        "scenario": scenario, "config": ctx.cfg.stored(), "seed": ctx.seed,
        "tick": s.tick, "public": public, "history": s.history, "shocks": s.shocks,
        "policy_overrides": s.policy_overrides, "bankruptcies_total": s.bankruptcies_total,
        "bank_failures_total": s.bank_failures_total,
    }


def state_hash(ctx: Context, scenario: str) -> str:
    """SHA-256 over every column (little-endian bytes; floats as IEEE doubles) and the meta."""
    digest = hashlib.sha256()
    meta = json.dumps(_meta(ctx, scenario), sort_keys=True, separators=(",", ":"))
    digest.update(meta.encode())
    for tname, table in sorted(ctx.s.tables().items()):
        for cname in sorted(table.cols):
            arr = table.cols[cname]
            digest.update(f"{tname}.{cname}:{arr.dtype.str}:{len(arr)}".encode())
            if arr.dtype.kind == "f":
                digest.update(arr.astype("<f8").tobytes())
            elif arr.dtype.kind == "b":
                digest.update(arr.astype(np.uint8).tobytes())
            else:
                digest.update(arr.astype("<i8").tobytes())
    return digest.hexdigest()


def to_bytes(ctx: Context, scenario: str) -> bytes:
    meta = json.dumps(_meta(ctx, scenario), sort_keys=True, separators=(",", ":")).encode()
    arrays = {f"{t}.{c}": arr for t, table in ctx.s.tables().items()
              for c, arr in table.cols.items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return MAGIC + struct.pack("<HI", FORMAT_VERSION, len(meta)) + meta + buf.getvalue()


def from_bytes(data: bytes) -> tuple[Context, str]:
    """The context and scenario name stored in a checkpoint."""
    if not data.startswith(MAGIC):
        raise EngineError("not an EconSim world checkpoint")
    version, meta_len = struct.unpack_from("<HI", data, len(MAGIC))
    if version != FORMAT_VERSION:
        raise EngineError(f"checkpoint format {version} is not supported ({FORMAT_VERSION})")
    offset = len(MAGIC) + struct.calcsize("<HI")
    meta = json.loads(data[offset:offset + meta_len])
    # Re-validated on the way in: a checkpoint is data, not trusted code.
    cfg = Config.build(meta["scenario"], meta["config"])
    n_h, n_f, n_b = cfg.n_households, cfg.n_firms, cfg.n_banks
    state = State(n_h, n_f, n_b, v2=cfg.v2)
    with np.load(io.BytesIO(data[offset + meta_len:]), allow_pickle=False) as npz:
        tables = state.tables()
        for key in npz.files:
            tname, cname = key.split(".", 1)
            tables[tname].cols[cname] = npz[key].astype(tables[tname].layout[cname])
    state.tick = meta["tick"]
    state.public = {_FROM_FORMAT1.get(k, k): v for k, v in meta["public"].items()}
    state.history = meta["history"]
    state.shocks = meta["shocks"]
    state.policy_overrides = meta["policy_overrides"]
    state.bankruptcies_total = meta["bankruptcies_total"]
    state.bank_failures_total = meta["bank_failures_total"]
    return Context(cfg=cfg, seed=meta["seed"], s=state), meta["scenario"]
