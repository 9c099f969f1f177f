"""Helpers shared by the benchmarks: a throw-away instance, a running server, memory from /proc."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def cpu_seconds(pid):
    """User + system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid):
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


def tree(pid):
    """A process and all its descendants (gunicorn's master, its workers, the task worker)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def instance(pinggu, password):
    """A throw-away Pinggu instance: its own data directory, migrated, demo loaded. Yields (data_dir, env)."""
    data_dir = tempfile.mkdtemp(prefix="pinggu-bench-")
    env = {**os.environ, "PINGGU_DATA_DIR": data_dir}
    try:
        subprocess.run([pinggu, "migrate", "-v0"], env=env, check=True)
        subprocess.run([pinggu, "demo", "--password", password], env=env, check=True, stdout=subprocess.DEVNULL)
        yield data_dir, env
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def skip_password_change(pinggu, env, *usernames):
    """The demo's unit accounts must change their password at first login; a benchmark logs in as they are."""
    subprocess.run([pinggu, "shell", "-c", (
        "from pinggu.accounts.models import User; "
        f"User.objects.filter(username__in={list(usernames)!r}).update(must_change_password=False)"
    )], env=env, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def serving(pinggu, env, *args, workers=2):
    """`pinggu serve` on a free port until the login page answers; stopped (with its children) on exit.
    Yields (port, server process)."""
    port = free_port()
    server = subprocess.Popen([pinggu, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *args], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield port, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave the server behind
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def in_process_demo(prefix):
    """This process becomes a throw-away Pinggu: a fresh data directory, Django set up, migrated, demo loaded.

    For benchmarks that call services and the test client directly. Returns the demo campaign.
    """
    os.environ["PINGGU_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    os.environ["PINGGU_ALLOWED_HOSTS"] = "testserver,localhost"
    import django

    django.setup()
    from django.core.management import call_command

    from pinggu.campaigns.models import Campaign
    from pinggu.site import demo

    call_command("migrate", verbosity=0)
    call_command("demo", password="Bench-Passw0rd!", stdout=open(os.devnull, "w"))
    return Campaign.objects.get(title=demo.CAMPAIGN_TITLE)  # the open one; the finished one has its own
