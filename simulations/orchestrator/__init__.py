"""The orchestrator: advancing simulations tick by tick (docs/architecture.md, section
"Orchestrator and simulations in production").

    simulation_advance(*, simulation_id, expected_tick, ticks, ...) -> AdvanceResult
    day_run_request(*, simulation_id, mode, ticks, requested_by_id, via) -> DayRun  (queues)
    day_run_execute(*, day_run_id, progress) -> DayRun          (what the tasks call)
    schedule_fire(*, schedule_id, task_id, progress) -> DayRun | None
"""

from simulations.orchestrator.advance import AdvanceResult, simulation_advance
from simulations.orchestrator.runs import (
    day_run_execute,
    day_run_request,
    run_ticks_resolve,
    schedule_fire,
)

__all__ = ["AdvanceResult", "day_run_execute", "day_run_request", "run_ticks_resolve",
           "schedule_fire", "simulation_advance"]
