"""Strict parsing of environment variables: a malformed value stops start-up, naming it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_error(name: str, rule: str, value: object) -> ImproperlyConfigured:
    """The start-up error for `name`: the rule it breaks and the value it has. Also for rules
    between variables that settings.py checks itself (raise env_error(...))."""
    return ImproperlyConfigured(f"Environment variable {name}: {rule} (got {value!r}).")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise env_error(name, "expected a boolean (true/false, 1/0, yes/no, on/off)", raw)


def env_int(name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """An integer within [minimum, maximum]; the default is held to the bounds too, since a
    bound may come from another variable (HISTORY_PAGE_SIZE <= HISTORY_PAGE_SIZE_MAX)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        value: int = default
        shown: object = default
    else:
        try:
            value = int(raw.strip())
        except ValueError:
            raise env_error(name, "expected an integer", raw) from None
        shown = raw
    if minimum is not None and value < minimum:
        raise env_error(name, f"expected an integer >= {minimum}", shown)
    if maximum is not None and value > maximum:
        raise env_error(name, f"expected an integer <= {maximum}", shown)
    return value


def env_choice(name: str, default: str, choices: Sequence[str], *, among: str = "") -> str:
    """One of `choices`, matched without regard to case and returned as spelled in `choices`;
    unset or empty: `default`. `among` names where the choices come from when they are another
    variable's value (the message then names that variable)."""
    raw = os.environ.get(name, "")
    value = raw.strip()
    if not value:
        return default
    if value in choices:
        return value
    for choice in choices:
        if choice.casefold() == value.casefold():
            return choice
    if among:
        raise env_error(name, f"expected one of {among} ({', '.join(choices)})", raw)
    *first, last = choices
    raise env_error(name, f"expected {', '.join(first)} or {last}" if first else
                    f"expected {last}", raw)


def env_list(name: str, default: list[str], *, nonempty: bool = False) -> list[str]:
    """A comma-separated list (blank items dropped); `nonempty`: at least one item."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if nonempty and not items:
        raise env_error(name, "expected at least one comma-separated value", raw)
    return items


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    """The URL in `name`, or None when unset or empty; a URL of another scheme is an error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        raise env_error(
            name,
            f"expected a URL starting with one of {', '.join(s + '://' for s in schemes)}",
            raw,
        )
    if parts.scheme not in ("sqlite",) and not parts.hostname:
        raise env_error(name, "expected a host name in the URL", raw)
    try:
        parts.port  # noqa: B018 - urlsplit validates the port lazily
    except ValueError:
        raise env_error(name, "expected a numeric port in the URL", raw) from None
    return raw


def sqlite_database(path: str) -> dict:
    """A SQLite file that web, the worker and beat share: WAL lets readers run beside the one
    writer, IMMEDIATE takes the write lock when a transaction begins (two writers never
    deadlock upgrading a read lock) and a writer waits up to 20 s for it instead of failing."""
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": path,
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                        "transaction_mode": "IMMEDIATE", "timeout": 20}}


def database_from_url(name: str, url: str) -> dict:
    """Django DATABASES entry for a postgres:// or sqlite:/// URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as dj-database-url reads them.
        path = unquote(parts.path)[1:]
        if not path:
            raise env_error(name, "expected a file path after sqlite:///", url)
        return sqlite_database(path)
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise env_error(name, "expected a database name after the host", url)
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as "120/min"."""
    raw = os.environ.get(name, default).strip()
    count, _, period = raw.partition("/")
    if not count.isdigit() or period not in {"s", "sec", "m", "min", "h", "hour", "d", "day"}:
        raise env_error(name, "expected a rate like 120/min (periods: s, min, hour, day)", raw)
    return raw
