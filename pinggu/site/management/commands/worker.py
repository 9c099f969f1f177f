import logging
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from pinggu.site import heartbeat
from pinggu.site.sweeps import run_sweeps

log = logging.getLogger("pinggu.worker")


def _sweep_periodically(stop: threading.Event) -> None:
    while not stop.wait(settings.SWEEP_INTERVAL.total_seconds()):
        run_sweeps(periodic=True)


def _exit_cleanly(signum, frame):
    raise SystemExit(0)


class Command(BaseCommand):
    help = "只运行后台任务进程（提醒邮件、材料打包）和定期清理；与 `pinggu serve --no-worker` 分开部署时使用"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1,
                            help="没有任务时每隔多少秒查看一次（默认 1）")
        parser.add_argument("--queue-name", default="default", help="处理的队列，逗号分隔；* 表示全部")

    def handle(self, *args, interval, queue_name, **opts):
        # Until db_worker installs its own handlers (after the sweeps, on a busy machine seconds later),
        # a stop request finds nothing running: it ends the process cleanly, as db_worker would.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        run_sweeps()
        stop = threading.Event()
        # A daemon thread: the worker's own SIGTERM handling decides when the process ends.
        threading.Thread(target=_sweep_periodically, args=(stop,), name="pinggu-sweeps", daemon=True).start()
        # /healthz on every app server reads this row to tell whether a worker runs at all.
        beats = threading.Thread(target=heartbeat.run, args=(stop,), name="pinggu-heartbeat", daemon=True)
        beats.start()
        try:
            call_command("db_worker", interval=interval, queue_name=queue_name, backend_name="default",
                         reload=False, verbosity=opts.get("verbosity", 1))
        finally:
            stop.set()
            beats.join(timeout=5)
