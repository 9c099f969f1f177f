"""One JSON line per request on logger pinggu.request, with nothing secret in it (issue 11 §3)."""

import io
import json
import logging

import pytest

from pinggu.site.requestlog import JsonFormatter, TextFormatter

from ..conftest import PASSWORD, PDF, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """The lines the request logger writes, through the JSON formatter as under `pinggu serve`."""
    logger = logging.getLogger("pinggu.request")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)

    def read():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    read.raw = stream.getvalue  # type: ignore[attr-defined]
    yield read
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_line_per_request_with_its_fields(client, organizer, lines):
    client.force_login(organizer)
    response = client.get("/campaigns/?q=secret-token-abc")
    (line,) = lines()
    assert set(line) == {"time", "method", "path", "status", "duration_ms", "user", "remote_addr", "bytes"}
    assert line["method"] == "GET"
    assert line["path"] == "/campaigns/", "no query string"
    assert line["status"] == 200
    assert line["user"] == organizer.pk
    assert line["remote_addr"] == "127.0.0.1"
    assert line["bytes"] == len(response.content)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z")


def test_nothing_secret_is_logged(client, organizer, lines):
    """Passwords, tokens, session ids and bodies never reach the log, on a login, an API token request or a failure."""
    client.post("/accounts/login/", {"username": organizer.username, "password": "Wrong-Passw0rd!"})
    client.post("/accounts/login/", {"username": organizer.username, "password": PASSWORD})
    session_id = client.cookies["sessionid"].value
    response = client.post("/api/v1/auth/token", {"username": organizer.username, "password": PASSWORD},
                           content_type="application/json")
    token = response.json()["token"]
    client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}")
    text = lines.raw()
    for secret in (PASSWORD, "Wrong-Passw0rd!", session_id, token, "csrfmiddlewaretoken"):
        assert secret not in text
    assert [(line["method"], line["path"], line["status"]) for line in lines()] == [
        ("POST", "/accounts/login/", 200), ("POST", "/accounts/login/", 302),
        ("POST", "/api/v1/auth/token", 200), ("GET", "/api/v1/campaigns", 200)]
    assert lines()[-1]["user"] == organizer.pk, "an API call is logged with its token's user"


def test_a_streamed_download_is_logged_when_it_ends_with_its_bytes(client, world, lines):
    from pinggu.evidence import services

    evidence, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("制度.pdf", PDF), user=world.sub_a)
    client.force_login(world.sub_a)
    response = client.get(f"/evidence/{evidence.pk}/download/")
    assert response.streaming
    assert lines() == [], "not before the body went out"
    body = b"".join(response.streaming_content)
    response.close()
    (line,) = lines()
    assert line["path"] == f"/evidence/{evidence.pk}/download/"
    assert line["bytes"] == len(body) == len(PDF)


def test_remote_addr_believes_only_a_declared_proxy(client, settings, lines):
    client.get("/accounts/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    settings.BEHIND_HTTPS_PROXY = True
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.2"]
    client.get("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 198.51.100.7")
    client.get("/accounts/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert [line["remote_addr"] for line in lines()] == ["203.0.113.9", "198.51.100.7", "203.0.113.9"]


def test_off_unless_enabled(client, settings):
    """Outside `pinggu serve` (tests, management commands) the request logger stays quiet."""
    assert logging.getLogger("pinggu.request").getEffectiveLevel() > logging.INFO


def test_text_format():
    record = logging.LogRecord("pinggu.request", logging.INFO, __file__, 1, "x", None, None)
    record.request_fields = {"time": "2026-11-28T06:00:00.000Z", "method": "GET", "path": "/", "status": 302,
                             "duration_ms": 1.5, "user": None, "remote_addr": "127.0.0.1", "bytes": 0}
    assert TextFormatter().format(record) == "2026-11-28T06:00:00.000Z GET / 302 1.5ms user=None addr=127.0.0.1 bytes=0"
    other = logging.LogRecord("pinggu.serve", logging.ERROR, __file__, 1, "后台任务进程已停止", None, None)
    assert json.loads(JsonFormatter().format(other))["message"] == "后台任务进程已停止"


@pytest.mark.slow
def test_serve_writes_json_request_lines(tmp_path):
    """Under `pinggu serve` the lines are on by default, one JSON object each, and gunicorn's access log is gone."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from bench._proc import free_port

    pinggu = str(Path(sys.executable).with_name("pinggu"))
    env = {k: v for k, v in os.environ.items() if k != "PINGGU_DATABASE_URL"}
    env.update(PINGGU_DATA_DIR=str(tmp_path), PINGGU_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend")
    subprocess.run([pinggu, "migrate", "-v0"], env=env, check=True)
    port = free_port()
    log = open(tmp_path / "serve.log", "w+b")
    server = subprocess.Popen([pinggu, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-worker"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/?next=/x", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the site never answered"
                time.sleep(0.2)
        time.sleep(0.3)
        logged = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
        requests = [line for line in logged if "method" in line]
        assert requests[-1]["path"] == "/accounts/login/" and requests[-1]["status"] == 200
        assert "next=" not in (tmp_path / "serve.log").read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
