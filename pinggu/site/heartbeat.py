"""The task worker's sign of life, for /healthz on every app server."""

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import WorkerHeartbeat

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(name: str, started_at: datetime) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"beat_at": now, "started_at": started_at})
    # Rows of workers that died without saying so, long after /healthz stopped counting them.
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()


def newest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


def run(stop: threading.Event, name: str | None = None) -> None:
    """Beat now and every WORKER_HEARTBEAT until `stop`; then remove this worker's row (a clean stop is not a live worker)."""
    name = name or worker_name()
    started_at = timezone.now()
    interval = settings.WORKER_HEARTBEAT.total_seconds()
    try:
        while True:
            try:
                beat(name, started_at)
            except Exception:  # the database is away: the next beat tries again, the worker itself goes on
                log.exception("后台任务进程无法写入心跳")
            finally:
                # This thread's own connection: closed when broken or past its age, like a request's.
                close_old_connections()
            if stop.wait(interval):
                break
        WorkerHeartbeat.objects.filter(worker=name).delete()
    except Exception:
        log.exception("后台任务进程无法删除心跳记录")
    finally:
        connection.close()
