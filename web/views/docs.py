"""Documentation for script authors, generated from the engine's schemas so it never drifts."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from scripts_lib.examples import script_examples
from scripts_lib.sandbox.runner import ALLOWED_MODULES, LOG_CAP, MAX_DEPTH, MEMORY_CAP
from simulations.engine.schema import AGENT_TYPES
from simulations.models import AGENT_TYPE_LABELS
from web.docs_content import CONTRACT_EXAMPLE, FIRST_SCRIPT, RUN_LOCALLY, TICK_PHASES
from web.docs_scores import score_docs
from web.schema_text import translated_schema

AGENT_LABELS = AGENT_TYPE_LABELS


def _examples() -> list[tuple[str, str, str, str]]:
    """The worked examples with their name and description in the active language (the
    English of both is listed in web.docs_content.EXAMPLE_TEXT for makemessages)."""
    return [(gettext(name), agent_type, gettext(description), source)
            for name, agent_type, description, source in script_examples()]


def _sandbox_limits() -> dict:
    return {
        "allowed_modules": ALLOWED_MODULES,
        "memory_cap_kb": MEMORY_CAP // 1024,
        "max_depth": MAX_DEPTH,
        "log_cap_kb": LOG_CAP // 1024,
        "cpu_ms_per_tick": settings.SCRIPT_CPU_MS_PER_TICK,
        "cpu_bucket_cap_ms": settings.SCRIPT_CPU_BUCKET_CAP_MS,
        "cpu_max_ms_per_tick": settings.SCRIPT_CPU_MAX_MS_PER_TICK,
        "source_max_kb": settings.SCRIPT_SOURCE_MAX_BYTES // 1024,
        "strikes_to_unmount": settings.SCRIPT_STRIKES_TO_UNMOUNT,
    }


def docs_index(request: HttpRequest) -> HttpResponse:
    document = translated_schema()
    return render(request, "web/docs/index.html", {
        "agent_types": [(t, AGENT_LABELS[t]) for t in AGENT_TYPES],
        "phases": TICK_PHASES,
        "rules": document["rules"],
        "rates_note": document["rates"],
        "limits": _sandbox_limits(),
        "examples": _examples(),
        "contract_example": CONTRACT_EXAMPLE,
        "run_locally": RUN_LOCALLY,
        "scores": list(score_docs().items()),
    })


def docs_agent(request: HttpRequest, agent_type: str) -> HttpResponse:
    if agent_type not in AGENT_TYPES:
        raise Http404("No such agent type.")
    spec = translated_schema()["agent_types"][agent_type]
    return render(request, "web/docs/agent.html", {
        "agent_type": agent_type,
        "label": AGENT_LABELS[agent_type],
        "agent_types": [(t, AGENT_LABELS[t]) for t in AGENT_TYPES],
        "observation": spec["observation"],
        "decision": spec["decision"],
        "examples": [e for e in _examples() if e[1] == agent_type],
        "limits": _sandbox_limits(),
        "first_script": FIRST_SCRIPT,
        "scores": [(t, s) for t, s in score_docs().items() if t == agent_type],
    })
