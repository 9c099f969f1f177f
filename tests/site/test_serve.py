"""`pinggu serve` as a real process tree: the task worker dies and comes back, the web server does not notice."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from bench._proc import children, free_port, tree

pytestmark = pytest.mark.slow

PINGGU = str(Path(sys.executable).with_name("pinggu"))


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _worker_pid(serve_pid: int) -> int | None:
    """The task worker is the child of `serve` that is not gunicorn (found through /proc, no pid file)."""
    for pid in children(serve_pid):
        cmd = _cmdline(pid)
        if "gunicorn" not in " ".join(cmd) and any(word in cmd for word in ("worker", "db_worker")):
            return pid
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _login_status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
            return r.status
    except OSError:
        return None


def _wait(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def instance():
    """One migrated data directory for the module: migrating takes longer than each test."""
    data_dir = tempfile.mkdtemp(prefix="pinggu-serve-")
    env = {**os.environ, "PINGGU_DATA_DIR": data_dir, "PINGGU_DATABASE_URL": ""}
    env.pop("PINGGU_DATABASE_URL")  # its own SQLite file, whatever database the suite runs on
    subprocess.run([PINGGU, "migrate", "-v0"], env=env, check=True)
    yield Path(data_dir), env
    shutil.rmtree(data_dir, ignore_errors=True)


def test_killed_worker_is_restarted_and_the_site_keeps_answering(instance):
    data_dir, env = instance
    port = free_port()
    log = open(data_dir / "serve.log", "w+b")
    server = subprocess.Popen([PINGGU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _wait(lambda: _login_status(port) == 200, 30), "the site never answered"
        first = _wait(lambda: _worker_pid(server.pid), 10)
        assert first, "no task worker child"

        os.kill(first, signal.SIGKILL)
        time.sleep(1.0)
        assert server.poll() is None, "serve exited with its worker"
        assert _login_status(port) == 200
        second = _wait(lambda: (pid := _worker_pid(server.pid)) and pid != first and pid, 10)
        assert second, "the worker was not restarted"
        assert _login_status(port) == 200
        assert b"SIGKILL" in (data_dir / "serve.log").read_bytes(), "the death was not logged"

        everything = tree(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert _wait(lambda: not any(_alive(pid) for pid in everything), 10), "children outlived serve"
        assert _login_status(port) is None
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_serve_exits_non_zero_when_gunicorn_dies(instance):
    data_dir, env = instance
    port = free_port()
    server = subprocess.Popen([PINGGU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait(lambda: _login_status(port) == 200, 30)
        worker = _wait(lambda: _worker_pid(server.pid), 10)
        gunicorn = next(pid for pid in children(server.pid) if "gunicorn" in " ".join(_cmdline(pid)))
        everything = tree(server.pid)
        os.kill(gunicorn, signal.SIGKILL)
        assert server.wait(timeout=30) != 0
        assert _wait(lambda: not _alive(worker), 10), "the worker outlived serve"
        for pid in everything:  # gunicorn's own workers notice their master is gone on their own
            _wait(lambda pid=pid: not _alive(pid), 10)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_no_control_socket_in_the_home_directory(instance):
    data_dir, env = instance
    home = Path(tempfile.mkdtemp(prefix="pinggu-home-"))
    port = free_port()
    server = subprocess.Popen([PINGGU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-worker"],
                              env={**env, "HOME": str(home)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        assert _wait(lambda: _login_status(port) == 200, 30)
        assert not (home / ".gunicorn").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def test_worker_command_sweeps_at_start_and_stops_on_sigterm(instance):
    data_dir, env = instance
    stale = data_dir / "tmp" / "killed-upload.upload"
    stale.write_bytes(b"x" * 1000)
    past = time.time() - 7 * 3600
    os.utime(stale, (past, past))
    worker = subprocess.Popen([PINGGU, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: not stale.exists(), 20), "the stale temp file was not swept"
        time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert "killed-upload.upload" in worker.stderr.read().decode()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_restart_back_off_doubles_and_resets_after_a_stable_run():
    from pinggu.site.management.commands.serve import WorkerSupervisor

    now = [0.0]
    dies = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = WorkerSupervisor(dies, first_delay=1, max_delay=4, stable_after=60, clock=lambda: now[0])

    def next_death() -> float:
        supervisor.process.wait()
        supervisor.poll()
        assert supervisor.process is None
        return supervisor.restart_at - now[0]

    supervisor.start()
    delays = []
    for _ in range(4):
        delays.append(next_death())
        supervisor.poll()
        assert supervisor.process is None  # not before its time
        now[0] = supervisor.restart_at
        supervisor.poll()
        assert supervisor.process is not None
    assert delays == [1, 2, 4, 4]
    now[0] += 61  # this run lasted long enough to count as stable
    assert next_death() == 1
    supervisor.stop()


def _headers(port: int, **headers) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as r:
        return dict(r.headers)


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_gunicorn_trusts_forwarded_proto_only_behind_a_declared_proxy(instance, behind_proxy):
    data_dir, env = instance
    env = {**env, "PINGGU_SECURE_COOKIES": "true", **({"PINGGU_BEHIND_HTTPS_PROXY": "true"} if behind_proxy else {})}
    port = free_port()
    server = subprocess.Popen([PINGGU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-worker"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait(lambda: _login_status(port) == 200, 30)
        claimed = _headers(port, **{"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in claimed) is behind_proxy
        assert "Strict-Transport-Security" not in _headers(port)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
