"""Health of the parts the platform depends on."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from ops.services import HEARTBEAT_KEY


def health_report() -> dict:
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as error:
        checks["database"] = {"ok": False, "vendor": connection.vendor, "error": str(error)}
    try:
        cache.set("ops:health-probe", 1, 10)
        ok = cache.get("ops:health-probe") == 1
        checks["cache"] = {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"]}
    except Exception as error:
        checks["cache"] = {"ok": False, "error": str(error)}
    beat = checks["cache"]["ok"] and cache.get(HEARTBEAT_KEY)
    checks["tasks"] = {"ok": bool(beat), "broker": "files" if settings.BROKER_IN_FILES
                       else "server", "last_heartbeat": beat or None}
    healthy = checks["database"]["ok"] and checks["cache"]["ok"]
    return {
        "status": "ok"
        if healthy and checks["tasks"]["ok"]
        else ("degraded" if healthy else "down"),
        "checks": checks,
    }
