"""The engine's small helpers other layers rely on: JSON-ready output, state tables, checkpoint
headers, the `simulate` command's rows and cells, and annotations that resolve."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import struct
import typing

import numpy as np
import pytest

import simulations.engine as engine
from simulations.engine import ConfigError, EngineError, World
from simulations.engine.headless import (
    BASELINE_COLUMNS,
    SIM_COLUMNS,
    columns_for,
    format_cell,
    parse_sets,
    rows,
)
from simulations.engine.jsonplain import plain
from simulations.engine.serialize import FORMAT_VERSION, MAGIC
from simulations.engine.state import FIRM_COLUMNS, LOAN_COLUMNS, State, Table
from simulations.tests.engine.worlds import small


def test_plain_turns_numpy_values_into_python_ones_at_any_depth() -> None:
    value = {"a": np.int64(3), 4: [np.float64(0.5), (np.bool_(True), np.arange(3))],
             "m": {"n": np.array([[1.5, 2.0]])}, "s": "text", "none": None, "i": 7}
    got = plain(value)
    assert got == {"a": 3, "4": [0.5, [True, [0, 1, 2]]], "m": {"n": [[1.5, 2.0]]},
                   "s": "text", "none": None, "i": 7}
    assert type(got["a"]) is int and type(got["4"][0]) is float
    assert type(got["4"][1][0]) is bool and type(got["4"][1]) is list
    assert type(got["4"][1][1][0]) is int
    json.dumps(got)
    result = World.create("baseline", small(), seed=1).step()
    json.dumps(plain({"postings": result.postings, "trades": result.trades}))


def _engine_modules() -> list[str]:
    names = [engine.__name__]
    for info in pkgutil.walk_packages(engine.__path__, engine.__name__ + "."):
        names.append(info.name)
    return names


def test_every_engine_annotation_resolves() -> None:
    """Annotations are strings until a tool (typing, docs, IDEs) evaluates them: each must."""
    checked = 0
    for name in _engine_modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module):
            if getattr(obj, "__module__", None) != name:
                continue
            targets = [obj]
            if inspect.isclass(obj):
                targets += [m for m in vars(obj).values()
                            if inspect.isfunction(m) or isinstance(m, classmethod | staticmethod
                                                                   | property)]
            for target in targets:
                if isinstance(target, classmethod | staticmethod):
                    target = target.__func__
                if isinstance(target, property):
                    target = target.fget
                if inspect.isclass(target) or inspect.isfunction(target):
                    typing.get_type_hints(target)
                    checked += 1
        typing.get_type_hints(module)  # module-level annotated names
    assert checked > 100


def test_a_table_keeps_its_layout_and_shapes() -> None:
    table = Table(FIRM_COLUMNS, 3)
    assert len(table) == 3 and table.price.dtype == np.int64 and table.mu.dtype == np.float64
    table.price = [5, 6, 7]
    assert table.price.tolist() == [5, 6, 7] and table.price.dtype == np.int64
    source = np.array([1, 2, 3], dtype=np.int64)
    table.x = source
    source[0] = 99
    assert table.x.tolist() == [1, 2, 3]  # a copy, not a view of the caller's array
    with pytest.raises(AttributeError, match="no column colour"):
        table.colour = [1, 2, 3]
    with pytest.raises(AttributeError):
        _ = table.colour
    with pytest.raises(ValueError, match="column price"):
        table.price = [1, 2]


def test_the_loan_table_appends_and_keeps_rows() -> None:
    loans = Table(LOAN_COLUMNS, 0)
    assert len(loans) == 0
    loans.append({"firm": np.array([1, 2]), "principal": np.array([100, 200])})
    loans.append({"firm": np.array([3]), "principal": np.array([300]), "bank": np.array([1])})
    assert len(loans) == 3
    assert loans.firm.tolist() == [1, 2, 3] and loans.bank.tolist() == [0, 0, 1]
    assert loans.rate_ppm.tolist() == [0, 0, 0] and loans.principal.dtype == np.int64
    loans.keep(loans.principal > 150)
    assert loans.firm.tolist() == [2, 3] and loans.principal.tolist() == [200, 300]
    assert len(loans) == 2


def test_a_new_state_has_every_table_at_its_size() -> None:
    s = State(5, 3, 2)
    assert {k: len(t) for k, t in s.tables().items()} == {"h": 5, "f": 3, "b": 2, "cb": 1,
                                                          "g": 1, "loans": 0}
    assert s.tick == 0 and s.shocks == [] and s.public == {}
    assert s.history == {"cpi": [], "u": [], "avg_wage": []}
    assert s.bankruptcies_total == 0 == s.bank_failures_total


def test_a_checkpoint_with_a_wrong_header_is_refused() -> None:
    data = World.create("baseline", small(), seed=1).to_bytes()
    assert data.startswith(MAGIC)
    assert struct.unpack_from("<H", data, len(MAGIC))[0] == FORMAT_VERSION
    with pytest.raises(EngineError, match="not an EconSim world checkpoint"):
        World.from_bytes(b"ECONSIN" + data[7:])
    future = MAGIC + struct.pack("<H", FORMAT_VERSION + 1) + data[len(MAGIC) + 2:]
    with pytest.raises(EngineError, match=f"format {FORMAT_VERSION + 1} is not supported"):
        World.from_bytes(future)
    restored = World.from_bytes(data)
    assert restored.state_hash() == World.create("baseline", small(), seed=1).state_hash()
    assert restored.scenario == "baseline" and restored.seed == 1 and restored.tick == 0


def test_set_pairs_are_parsed_and_bad_ones_named() -> None:
    assert parse_sets(None) == {} and parse_sets([]) == {}
    assert parse_sets([" alpha1 = 0.5 ", "n_firms=3", "tag=a=b", "empty="]) == {
        "alpha1": "0.5", "n_firms": "3", "tag": "a=b", "empty": ""}
    for bad in ("=3", "  =3", "alpha1"):
        with pytest.raises(ConfigError) as err:
            parse_sets([bad])
        assert (err.value.field, err.value.rule) == (bad, "key=value required")
    with pytest.raises(ConfigError) as err:
        parse_sets(["a=1", " a =2"])
    assert (err.value.field, err.value.rule) == ("a", "set more than once")


def test_rows_have_the_scenario_columns_one_per_tick() -> None:
    assert columns_for("sim") == SIM_COLUMNS and columns_for("baseline") == BASELINE_COLUMNS
    out = list(rows("baseline", 3, 2, {"n_households": "100", "n_firms": "5",
                                       "n_banks": "2"}))
    assert [list(r) for r in out] == [list(BASELINE_COLUMNS)] * 3
    assert [r["tick"] for r in out] == [1, 2, 3]
    sim = list(rows("sim", 2, 0, {"n_households": "10"}))
    assert [list(r) for r in sim] == [list(SIM_COLUMNS)] * 2
    assert sim[0]["output"] == 20.0 and sim[1]["tick"] == 2
    assert list(rows("sim", 0, 0, {})) == []
    with pytest.raises(ConfigError) as err:
        rows("sim", -1, 0, {})
    assert (err.value.field, err.value.rule) == ("ticks", "int >= 0 required")


def test_cells_are_printed_with_four_decimals_or_four_significant_digits() -> None:
    assert format_cell(0.123456) == "0.1235"
    assert format_cell(-2.5) == "-2.5000"
    assert format_cell(999_999.9) == "999999.9000"
    assert format_cell(1_000_000.0) == "1e+06"
    assert format_cell(-12_345_678.0) == "-1.235e+07"
    assert format_cell(42) == "42" and format_cell("x") == "x" and format_cell(None) == "None"


def test_a_checkpoint_with_pickled_objects_is_refused() -> None:
    """A checkpoint is data: an object array (which numpy can only load by unpickling) must
    not be loaded."""
    import io

    world = World.create("baseline", small(), seed=1)
    data = world.to_bytes()
    meta_len = struct.unpack_from("<I", data, len(MAGIC) + 2)[0]
    head = data[:len(MAGIC) + 6 + meta_len]
    buf = io.BytesIO()
    np.savez_compressed(buf, **{"h.dep": np.array([object()] * 300, dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        World.from_bytes(head + buf.getvalue())


def test_script_seeds_follow_the_documented_seed_sequence() -> None:
    from simulations.engine.rng import script_seed
    from simulations.engine.vocabulary import AGENT_TYPE_CODES

    ss = np.random.SeedSequence(7, spawn_key=(3, 99, AGENT_TYPE_CODES["firm"], 5))
    assert script_seed(7, 3, "firm", 5) == int(ss.generate_state(1, dtype=np.uint64)[0])
