from celery import shared_task

from ops.services import heartbeat_record


@shared_task(name="ops.worker_heartbeat", bind=True, time_limit=30, soft_time_limit=20)
def worker_heartbeat(self) -> dict[str, str]:
    return heartbeat_record(worker=self.request.hostname or "in-process")
