"""Container healthchecks (compose.yaml): `python -m ops.healthcheck web|worker|beat` exits 0
when the service is healthy, 1 with the reason otherwise.

- web: the health endpoint and the home page answer 200. The page too, because a broken static
  manifest fails every HTML page while /api/health/ stays green.
- worker: this container's own node (`worker@<hostname>`, as compose names it) answers a ping.
- beat: the scheduler touched its file (ops/beat.py) within BEAT_MAX_SILENCE_SECONDS, so a beat
  that hangs or cannot reach its database turns unhealthy, not only one whose process died.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request

BEAT_MAX_SILENCE_SECONDS = 60  # twelve ticks of the database scheduler (one per 5 s at most)
WORKER_NODE = "worker@%h"  # the worker's --hostname in compose.yaml


def _settings():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
    from django.conf import settings  # reads and checks the environment; sets up no app

    return settings


def web() -> str | None:
    settings = _settings()
    # A host name the site serves (a leading dot allows subdomains), and HTTPS as a proxy would
    # say it, so that neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT refuses the check.
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    for path in ("/api/health/", "/"):
        request = urllib.request.Request(base + path, headers={
            "Host": host, "X-Forwarded-Proto": "https"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            return f"{path}: {error}"
        if status != 200:
            return f"{path} answered {status}"
    return None


def worker(node: str = WORKER_NODE, timeout: float = 10) -> str | None:
    _settings()
    from celery.utils.nodenames import host_format

    from econsim_project.celery import app

    name = host_format(node)
    if not app.control.ping(destination=[name], timeout=timeout):
        return f"{name} did not answer a ping within {timeout:g} s"
    return None


def beat(max_silence: float = BEAT_MAX_SILENCE_SECONDS) -> str | None:
    alive = _settings().BEAT_ALIVE_FILE
    try:
        silence = time.time() - alive.stat().st_mtime
    except FileNotFoundError:
        return f"{alive} does not exist: beat has not ticked yet"
    if silence > max_silence:
        return f"beat's last tick was {silence:.0f} s ago (more than {max_silence:g} s)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.healthcheck")
    parser.add_argument("service", choices=("web", "worker", "beat"))
    parser.add_argument("--node", default=WORKER_NODE, help="worker: the node to ping")
    parser.add_argument("--timeout", type=float, default=10,
                        help="worker: seconds to wait for the answer")
    parser.add_argument("--max-silence", type=float, default=BEAT_MAX_SILENCE_SECONDS,
                        help="beat: seconds since the last tick still healthy")
    args = parser.parse_args(argv)
    if args.service == "web":
        problem = web()
    elif args.service == "worker":
        problem = worker(args.node, args.timeout)
    else:
        problem = beat(args.max_silence)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
