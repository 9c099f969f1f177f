"""/healthz for the load balancer and monitoring: database, storage, task worker, free disk.

The answer is 503 only when this app server cannot serve requests: the database or the file storage
fails. A dead worker or a filling disk is reported ("degraded", still 200): the worker is one process
shared by every app server, so a load balancer that took servers out for it would take the whole site
down while uploads, reading and downloads still work; monitoring alerts on the body instead.

Nothing in the answer helps an attacker: no host names, paths, versions, error texts or sizes; the
causes go to the server's log.
"""

import logging
import shutil
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from pinggu import storage

from . import heartbeat

log = logging.getLogger(__name__)

PATH = "/healthz"
OK, FAIL, DOWN, LOW = "ok", "fail", "down", "low"


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.exception("健康检查：数据库不可用")
        return {"status": FAIL}
    return {"status": OK}


def check_storage() -> dict[str, Any]:
    """Write, read back and delete a tiny probe object, where evidence goes (the data directory or the bucket)."""
    payload = uuid.uuid4().hex.encode()
    name = None
    try:
        name = default_storage.save(f"healthz/{payload.decode()}.txt", ContentFile(payload))
        if b"".join(storage.read_range(default_storage, name)) != payload:
            raise OSError("the probe read back differs from what was written")
    except Exception:
        log.exception("健康检查：文件存储不可用")
        return {"status": FAIL}
    finally:
        if name is not None:
            try:
                default_storage.delete(name)
            except Exception:
                log.exception("健康检查：无法删除探测文件 %s", name)
    return {"status": OK}


def check_worker() -> dict[str, Any]:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return {"status": OK, "mode": "inline"}  # tasks run inside the request: there is no worker to wait for
    try:
        latest = heartbeat.newest()
    except Exception:
        log.exception("健康检查：无法读取后台任务进程心跳")
        return {"status": DOWN, "last_beat_seconds": None}
    if latest is None:
        return {"status": DOWN, "last_beat_seconds": None}
    age = max(0.0, (timezone.now() - latest.beat_at).total_seconds())
    return {"status": OK if age <= settings.WORKER_STALE.total_seconds() else DOWN, "last_beat_seconds": round(age)}


def check_disk() -> dict[str, Any]:
    """Free space where the data directory lives: local evidence, and on either storage the upload temp files."""
    try:
        usage = shutil.disk_usage(settings.DATA_DIR)
    except OSError:
        log.exception("健康检查：无法读取数据目录所在磁盘的空间")
        return {"status": FAIL}
    free = round(100 * usage.free / usage.total, 1) if usage.total else 0.0
    return {"status": OK if free >= settings.DISK_WARN_FREE_PERCENT else LOW, "free_percent": free}


def report() -> tuple[int, dict[str, Any]]:
    checks = {"database": check_database(), "storage": check_storage(), "worker": check_worker(), "disk": check_disk()}
    if checks["database"]["status"] != OK or checks["storage"]["status"] != OK:
        return 503, {"status": FAIL, "checks": checks}
    if any(check["status"] != OK for check in checks.values()):
        return 200, {"status": "degraded", "checks": checks}
    return 200, {"status": OK, "checks": checks}


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response: HttpResponse = JsonResponse({"error": "method_not_allowed"}, status=405)
        response["Allow"] = "GET, HEAD"
    else:
        status, body = report()
        response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers /healthz before the host is checked and before any HTTPS redirect.

    A load balancer probes each app server by its address, with a Host header that is not one of
    ALLOWED_HOSTS, over plain HTTP; for every other path Django would answer 400 or 301. The answer
    does not depend on the host, the session or the user, so skipping those middlewares is safe.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
