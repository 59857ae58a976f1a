"""Runs one strategy call: compile, exec in fresh globals, call decide(obs), check the output.

Stdlib only and no sibling imports: it runs inside the sandbox child and, for the benchmark
baseline, in-process. The restricted builtins and import allowlist here are NOT the security
boundary (the OS layer is); they give script authors friendly errors.
"""

from __future__ import annotations

import builtins
import importlib
import json
import random
import time
from collections.abc import Callable
from types import ModuleType, TracebackType

ALLOWED_MODULES = (
    "math", "statistics", "random", "json", "collections", "collections.abc", "itertools",
    "functools", "dataclasses", "operator", "typing",
)  # fmt: skip
FILENAME = "<strategy>"
MEMORY_KEY = "memory"
MEMORY_CAP = 64 * 1024  # bytes of JSON
DECISION_CAP = 64 * 1024
LOG_CAP = 16 * 1024  # characters; longer output is truncated, not a failure
TEXT_CAP = 4000  # message and traceback characters
_REMOVED_BUILTINS = ("open", "input", "breakpoint", "help", "exit", "quit", "copyright",
                     "credits", "license", "__loader__", "__spec__")


# Imported lazily by the allowed modules (Counter.most_common -> heapq, ...): once a child's
# seccomp filter is on it cannot open a module file, so they are loaded in the zygote.
_LAZY_DEPENDENCIES = ("heapq", "copy", "types", "weakref")


def preload() -> dict[str, ModuleType]:
    for name in _LAZY_DEPENDENCIES:
        importlib.import_module(name)
    return {name: importlib.import_module(name) for name in ALLOWED_MODULES}


class _Log:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def print(self, *args: object, sep: str | None = " ", end: str | None = "\n",
              file: object = None, flush: bool = False) -> None:
        if self.size >= LOG_CAP:
            self.truncated = True
            return
        text = (" " if sep is None else str(sep)).join(str(a) for a in args)
        text += "\n" if end is None else str(end)
        room = LOG_CAP - self.size
        self.parts.append(text[:room])
        self.size += min(len(text), room)
        self.truncated = self.truncated or len(text) > room

    def text(self) -> str:
        return "".join(self.parts) + ("\n[output truncated]" if self.truncated else "")


def _guarded_import(modules: dict[str, ModuleType]) -> Callable[..., ModuleType]:
    def guarded(name: str, globals: object = None, locals: object = None,
                fromlist: tuple = (), level: int = 0) -> ModuleType:
        if level != 0 or name not in modules:
            raise ImportError(f"import of {name!r} is not allowed; allowed: "
                              f"{', '.join(ALLOWED_MODULES)}")
        return modules[name] if fromlist else modules[name.partition(".")[0]]

    return guarded


def _builtins(modules: dict[str, ModuleType], log: _Log) -> dict:
    table = dict(builtins.__dict__)
    for name in _REMOVED_BUILTINS:
        table.pop(name, None)
    table["__import__"] = _guarded_import(modules)
    table["print"] = log.print
    return table


def _user_traceback(tb: TracebackType | None, source: str) -> str:
    """Only frames of the script itself, with its own line numbers and text."""
    lines = source.splitlines()
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == FILENAME:
            n = tb.tb_lineno
            text = lines[n - 1].strip() if 0 < n <= len(lines) else ""
            out.append(f'  line {n}, in {code.co_name}\n    {text}')
        tb = tb.tb_next
    return ("Traceback (your code):\n" + "\n".join(out))[:TEXT_CAP] if out else ""


def _failure(kind: str, message: str, log: _Log, trace: str = "") -> dict:
    return {"ok": False, "decision": None, "memory": None, "log": log.text(), "kind": kind,
            "message": message[:TEXT_CAP], "traceback": trace}


def _describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # a user exception whose __str__ itself fails
        return type(exc).__name__


def _check_output(out: object, log: _Log) -> dict:
    if type(out) is not dict:
        return _failure("bad_output", f"decide() must return a dict, got {type(out).__name__}",
                        log)
    memory = out.pop(MEMORY_KEY, None)
    if memory is not None and type(memory) is not dict:
        return _failure("bad_output", "'memory' must be a dict", log)
    bad_keys = [k for k in out if type(k) is not str]
    if bad_keys:
        return _failure("bad_output", f"decision keys must be strings, got {bad_keys[0]!r}", log)
    try:
        decision_json = json.dumps(out, allow_nan=False)
        memory_json = json.dumps(memory, allow_nan=False) if memory is not None else ""
    except (TypeError, ValueError, RecursionError) as exc:
        return _failure("bad_output", f"output is not plain JSON: {exc}", log)
    if len(decision_json) > DECISION_CAP:
        return _failure("bad_output", f"decision over the {DECISION_CAP} byte cap", log)
    if len(memory_json) > MEMORY_CAP:
        return _failure("bad_output", f"memory over the {MEMORY_CAP} byte cap "
                                      f"({len(memory_json)} bytes)", log)
    return {"ok": True, "decision": json.loads(decision_json),
            "memory": json.loads(memory_json) if memory_json else None, "log": log.text(),
            "kind": None, "message": "", "traceback": ""}


def run_call(source: str, obs: dict, memory: dict | None, seed: int,
             modules: dict[str, ModuleType]) -> dict:
    """One call, as a JSON-ready dict (ok, decision, memory, log, kind, message, traceback,
    cpu_ms). The CPU budget is the caller's job (a kernel timer around this call)."""
    log = _Log()
    started = time.thread_time()  # per-thread: precise even with ITIMER_PROF armed
    try:
        random.seed(seed)  # before exec: module-level draws are reproducible too
        code = compile(source, FILENAME, "exec")
        scope = {"__builtins__": _builtins(modules, log), "__name__": "strategy"}
        exec(code, scope)
        decide = scope.get("decide")
        if not callable(decide):
            result = _failure("exception", "the script defines no decide(obs) function", log)
        else:
            result = _check_output(decide({**obs, MEMORY_KEY: memory or {}}), log)
    except MemoryError:
        result = _failure("memory", "memory limit exceeded", log)
    except SyntaxError as exc:
        result = _failure("exception", f"SyntaxError: {exc.msg} (line {exc.lineno})", log)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt and the like are the script's
        result = _failure("exception", _describe(exc), log,
                          _user_traceback(exc.__traceback__, source))
    result["cpu_ms"] = (time.thread_time() - started) * 1000.0
    return result
