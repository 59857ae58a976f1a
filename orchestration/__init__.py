"""Orchestration: what spans the domain apps. It advances simulations tick by tick (the
engine, the users' scripts, the archive and the cache in one transaction per tick), queues and
runs DayRuns, requeues runs nobody works on, resets a simulation with its archives, releases
agents with their script mounts, seeds the baseline world, and serves the API and admin views
that show or change more than one app (docs/architecture.md, "Layers").

    advance.simulation_advance(*, simulation_id, expected_tick, ticks, ...) -> AdvanceResult
    runs.day_run_request(*, simulation_id, mode, ticks, requested_by_id, via) -> DayRun
    runs.day_run_execute(*, day_run_id, progress) -> DayRun          (what the tasks call)
    runs.schedule_fire(*, schedule_id, task_id, progress) -> DayRun | None
    reaper.day_runs_requeue_stale() -> Sweep

No models: the rows it writes belong to the apps below it.
"""
