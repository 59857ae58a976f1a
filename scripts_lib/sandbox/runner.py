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
MAX_DEPTH = 64  # nesting of lists and dicts in a decision or memory
INT64 = 1 << 63  # ints must fit a signed 64-bit column
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


def plain_json_problem(value: object, cap: int, size: int | None = None) -> str | None:
    """Why `value` is not plain JSON a database stores as is (None when it is): dicts with
    string keys, lists, strings without NUL or unpaired surrogates, 64-bit ints, finite
    floats, booleans and null, at most MAX_DEPTH deep and `cap` bytes of JSON (`size`: the
    length of its JSON when the caller has encoded it already). Iterative, so no nesting can
    exhaust the stack; used by the child (friendly errors) and the host (the authority: a
    child may have forged its output)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            if kind is dict:
                for key in item:
                    if type(key) is not str:
                        return f"keys must be strings, got {type(key).__name__}"
                    stack.append((key, depth + 1))
                items = item.values()
            else:
                items = item
            stack.extend((child, depth + 1) for child in items)
        elif kind is str:
            if "\x00" in item:
                return "strings must not contain NUL characters"
            try:
                item.encode()
            except UnicodeEncodeError:
                return "strings must not contain unpaired surrogates"
        elif kind is int:
            if not -INT64 <= item < INT64:
                return "integers must fit in 64 bits"
        elif kind is float:
            if item != item or item in (float("inf"), float("-inf")):
                return "numbers must be finite (no NaN or Infinity)"
        elif item is not None and kind is not bool:
            return f"{kind.__name__} is not JSON"
    if size is None:
        size = len(json.dumps(value, allow_nan=False))
    if size > cap:
        return f"over the {cap} byte cap ({size} bytes)"
    return None


def clean_text(value: object, cap: int) -> str:
    """Text as the host keeps it: a string, cut to `cap`, NUL and unpaired surrogates replaced
    (a database refuses both)."""
    text = value[:cap] if type(value) is str else ""
    return text.replace("\x00", "\ufffd").encode(errors="replace").decode()


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
    plain = {}
    for name, value, cap in (("decision", out, DECISION_CAP), ("memory", memory, MEMORY_CAP)):
        try:  # the round trip makes tuples lists and subclasses (defaultdict, ...) plain
            encoded = json.dumps(value, allow_nan=False)
            plain[name] = json.loads(encoded)
        except (TypeError, ValueError, RecursionError) as exc:
            return _failure("bad_output", f"output is not plain JSON: {exc}", log)
        problem = plain_json_problem(plain[name], cap, len(encoded))
        if problem:
            return _failure("bad_output", f"{name}: {problem}", log)
    return {"ok": True, "decision": plain["decision"], "memory": plain["memory"],
            "log": log.text(), "kind": None, "message": "", "traceback": ""}


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
