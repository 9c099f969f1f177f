"""/healthz: what the load balancer and monitoring read (issue 11 §3)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.site import heartbeat
from pinggu.site.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_tasks(settings):
    """As in production: tasks wait in the database for a separate worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _get(client, **extra):
    response = client.get("/healthz", **extra)
    return response, json.loads(response.content)


@pytest.mark.both_storages
def test_healthy_with_a_fresh_heartbeat(client, db_tasks):
    heartbeat.beat("host-a:1", timezone.now())
    response, body = _get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "storage": "ok", "worker": "ok", "disk": "ok"}
    assert body["checks"]["worker"]["last_beat_seconds"] <= 1


@pytest.mark.both_storages
def test_the_storage_probe_leaves_nothing_behind(client, db_tasks):
    from django.core.files.storage import default_storage

    _get(client)
    _get(client)
    if default_storage.exists("healthz"):  # on local disk the emptied directory stays
        assert default_storage.listdir("healthz") == ([], [])
    assert default_storage.listdir("")[1] == []


def test_a_dead_worker_degrades_but_keeps_the_server_in_the_pool(client, db_tasks, settings):
    """The worker is shared by every app server: a 503 for it would empty the load balancer's pool."""
    response, body = _get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == {"status": "down", "last_beat_seconds": None}

    WorkerHeartbeat.objects.create(worker="host-a:1", beat_at=timezone.now() - timedelta(minutes=3),
                                   started_at=timezone.now() - timedelta(hours=1))
    response, body = _get(client)
    assert response.status_code == 200
    assert body["checks"]["worker"]["status"] == "down"
    assert body["checks"]["worker"]["last_beat_seconds"] >= 179

    heartbeat.beat("host-b:7", timezone.now())  # a second worker that lives
    response, body = _get(client)
    assert body["status"] == "ok"


def test_low_disk_is_a_warning_not_a_failure(client, db_tasks, settings):
    heartbeat.beat("host-a:1", timezone.now())
    settings.DISK_WARN_FREE_PERCENT = 101  # no disk has that much free
    response, body = _get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["disk"]["status"] == "low"


def test_broken_storage_answers_503(client, db_tasks, settings, tmp_path):
    heartbeat.beat("host-a:1", timezone.now())
    # A regular file where the files directory should be: every write fails, as on a lost mount.
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked
    response, body = _get(client)
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["storage"] == {"status": "fail"}
    assert str(blocked) not in response.content.decode(), "no path in a public answer"


def test_broken_storage_on_s3_answers_503(client, db_tasks, settings, s3_server):
    """The bucket is gone (or the credentials are wrong): the probe fails, the answer names no bucket or error."""
    from ..conftest import use_s3

    storage = use_s3(settings, s3_server)
    storage.connection.meta.client.delete_bucket(Bucket=storage.bucket_name)
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["storage"] == {"status": "fail"}
    assert storage.bucket_name not in response.content.decode()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def test_answers_a_load_balancer_probe_with_any_host_over_plain_http(client, db_tasks, settings):
    heartbeat.beat("host-a:1", timezone.now())
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["pinggu.example.gov.cn"]
    response, body = _get(client, HTTP_HOST="10.0.3.17:8000")
    assert response.status_code == 200 and body["status"] == "ok"
    # Every other path still refuses that host, and redirects plain HTTP.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.3.17:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="pinggu.example.gov.cn").status_code == 301


def test_needs_no_login_and_reveals_nothing(client, db_tasks, organizer):
    heartbeat.beat("host-a:1", timezone.now())
    response, body = _get(client)
    text = response.content.decode()
    assert "host-a" not in text, "no worker host names"
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert set(body) == {"status", "checks"}
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_beats_and_clears_its_row_on_stop(db_tasks, settings):
    import threading
    import time

    settings.WORKER_HEARTBEAT = timedelta(seconds=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=heartbeat.run, args=(stop, "host-t:9"))
    thread.start()
    try:
        deadline = timezone.now() + timedelta(seconds=5)
        first = None
        while timezone.now() < deadline:
            row = WorkerHeartbeat.objects.filter(worker="host-t:9").first()
            if row and first is None:
                first = row.beat_at
            elif row and row.beat_at > first:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the heartbeat was not renewed")
    finally:
        stop.set()
        thread.join(5)
    assert not WorkerHeartbeat.objects.filter(worker="host-t:9").exists(), "a stopped worker is not alive"
