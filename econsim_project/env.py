"""Strict parsing of environment variables: a malformed value stops start-up, naming it."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bad(name: str, rule: str, value: str) -> ImproperlyConfigured:
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
    raise _bad(name, "expected a boolean (true/false, 1/0, yes/no, on/off)", raw)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, "expected an integer", raw) from None
    if minimum is not None and value < minimum:
        raise _bad(name, f"expected an integer >= {minimum}", raw)
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    """The URL in `name`, or None when unset or empty; a URL of another scheme is an error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        raise _bad(
            name,
            f"expected a URL starting with one of {', '.join(s + '://' for s in schemes)}",
            raw,
        )
    if parts.scheme not in ("sqlite",) and not parts.hostname:
        raise _bad(name, "expected a host name in the URL", raw)
    try:
        parts.port  # noqa: B018 - urlsplit validates the port lazily
    except ValueError:
        raise _bad(name, "expected a numeric port in the URL", raw) from None
    return raw


def database_from_url(name: str, url: str) -> dict:
    """Django DATABASES entry for a postgres:// or sqlite:/// URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as dj-database-url reads them.
        path = unquote(parts.path)[1:]
        if not path:
            raise _bad(name, "expected a file path after sqlite:///", url)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise _bad(name, "expected a database name after the host", url)
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
        raise _bad(name, "expected a rate like 120/min (periods: s, min, hour, day)", raw)
    return raw
