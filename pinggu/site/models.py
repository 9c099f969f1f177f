from django.db import models


class WorkerHeartbeat(models.Model):
    """The newest sign of life of one task worker process (host and pid), written every WORKER_HEARTBEAT.

    A row in the shared database rather than a cache entry: every app server's /healthz reads the same
    answer, and a cache that evicts or restarts cannot make a live worker look dead.
    """

    worker = models.CharField(max_length=200, primary_key=True)
    beat_at = models.DateTimeField()
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker
