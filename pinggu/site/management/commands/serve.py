import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "以生产方式运行：gunicorn（静态文件由 whitenoise 提供）加后台任务进程"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PINGGU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PINGGU_WORKERS", "3")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("PINGGU_TIMEOUT", "600")),
                            help="seconds a request may take (large uploads on slow links)")
        parser.add_argument("--no-worker", action="store_true",
                            help="不启动后台任务进程（另行运行 `pinggu db_worker` 时使用）")

    def handle(self, *args, bind, workers, timeout, no_worker, **opts):
        web = [
            sys.executable, "-m", "gunicorn", "pinggu.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", "4", "--worker-class", "gthread",
            "--timeout", str(timeout), "--access-logfile", "-",
            "--forwarded-allow-ips", os.environ.get("PINGGU_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        children = [subprocess.Popen(web)]
        if not no_worker:
            # Reminders and evidence bundles run here, outside the web requests.
            children.append(subprocess.Popen([sys.executable, "-m", "pinggu", "db_worker", "--interval", "1"]))
        self.stdout.write(f"Pinggu 正在运行：http://{bind}/  （Ctrl+C 停止）")
        sys.stdout.flush()

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
        return None
