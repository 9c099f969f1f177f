import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand

from pinggu.site.sweeps import run_sweeps

log = logging.getLogger("pinggu.serve")


def describe_exit(returncode: int) -> str:
    """'exit code 3' or 'signal SIGKILL', as an operator reads it in the journal."""
    if returncode < 0:
        try:
            return f"信号 {signal.Signals(-returncode).name}"
        except ValueError:
            return f"信号 {-returncode}"
    return f"退出码 {returncode}"


class WorkerSupervisor:
    """Keeps the task worker running beside the web server.

    A dead worker (killed, out of memory, full disk) only delays reminders and bundles; it must
    never take the site down. It is restarted after a back-off that doubles on every quick death,
    so a worker that cannot start does not spin, and starts again from the first delay once a
    run has lasted `stable_after` seconds.
    """

    def __init__(self, command: list[str], *, first_delay: float = 1.0, max_delay: float = 60.0,
                 stable_after: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.command = command
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.clock = clock
        self.delay = first_delay
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = self.clock()

    def poll(self) -> None:
        now = self.clock()
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return
            ran = now - self.started_at
            if ran >= self.stable_after:
                self.delay = self.first_delay
            log.error("后台任务进程 %d 已停止（%s），运行了 %.0f 秒；%.0f 秒后重启。网站继续运行。",
                      self.process.pid, describe_exit(code), ran, self.delay)
            self.process = None
            self.restart_at = now + self.delay
            self.delay = min(self.delay * 2, self.max_delay)
        elif self.restart_at is not None and now >= self.restart_at:
            self.restart_at = None
            self.start()
            assert self.process is not None
            log.warning("后台任务进程已重启（pid %d）", self.process.pid)

    def stop(self, timeout: float = 30) -> None:
        self.restart_at = None
        if self.process is not None:
            _terminate(self.process, timeout)


def _terminate(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "以生产方式运行：gunicorn（静态文件由 whitenoise 提供）加受监护的后台任务进程"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PINGGU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PINGGU_WORKERS", "3")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("PINGGU_TIMEOUT", "600")),
                            help="seconds a request may take (large uploads on slow links)")
        parser.add_argument("--no-worker", action="store_true",
                            default=os.environ.get("PINGGU_NO_WORKER", "").strip().lower() in {"1", "true", "yes", "on"},
                            help="不启动后台任务进程：多台应用服务器时每台都这样运行，另在一处运行一个 `pinggu worker`"
                                 "（也可设 PINGGU_NO_WORKER=true）")

    def handle(self, *args, bind, workers, timeout, no_worker, **opts):
        run_sweeps()  # leftovers of the previous run, before anything new is written
        if no_worker and not os.environ.get("PINGGU_SECRET_KEY"):
            # Several app servers must sign sessions alike; each data directory's generated key differs.
            log.warning("未设置 PINGGU_SECRET_KEY：多台应用服务器须使用同一个密钥，否则在一台登录后到另一台会被要求重新登录")
        # Gunicorn only believes X-Forwarded-Proto from a proxy the operator declared; Django's
        # SECURE_PROXY_SSL_HEADER follows the same setting (pinggu/settings.py).
        trusted = ",".join(settings.FORWARDED_ALLOW_IPS) if settings.BEHIND_HTTPS_PROXY else ""
        # One JSON line per request from Pinggu itself (logger pinggu.request), in place of gunicorn's access
        # log, which would write query strings and knows neither the user nor the time a streamed download took.
        env = {**os.environ, "PINGGU_REQUEST_LOG": os.environ.get("PINGGU_REQUEST_LOG", "true")}
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "pinggu.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", "4", "--worker-class", "gthread",
            "--timeout", str(timeout),
            "--forwarded-allow-ips", trusted,
            # Gunicorn's control socket would otherwise live in ~/.gunicorn; nothing here uses it.
            "--no-control-socket",
        ], env=env)
        worker = None
        if not no_worker:
            # Reminders and evidence bundles run here, outside the web requests.
            worker = WorkerSupervisor([sys.executable, "-m", "pinggu", "worker"])
            worker.start()
        self.stdout.write(f"Pinggu 正在运行：http://{bind}/  （Ctrl+C 停止）")
        sys.stdout.flush()

        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        failed = False
        try:
            while not stopping.is_set():
                if web.poll() is not None and not stopping.is_set():
                    # Non-zero, so that systemd (Restart=on-failure) brings the whole site back.
                    log.error("gunicorn 已停止（%s），Pinggu 随之退出", describe_exit(web.returncode))
                    failed = True
                    break
                if worker is not None:
                    worker.poll()
                stopping.wait(0.5)
        finally:
            _terminate(web, 30)
            if worker is not None:
                worker.stop()
        if failed:
            sys.exit(1)
