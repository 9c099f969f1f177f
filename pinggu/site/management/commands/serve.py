import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "以生产方式运行（gunicorn，静态文件由 whitenoise 提供）"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PINGGU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PINGGU_WORKERS", "3")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("PINGGU_TIMEOUT", "600")),
                            help="seconds a request may take (large uploads on slow links)")

    def handle(self, *args, bind, workers, timeout, **opts):
        self.stdout.write(f"Pinggu 正在运行：http://{bind}/  （Ctrl+C 停止）")
        sys.stdout.flush()
        argv = [
            "gunicorn", "pinggu.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", "4",
            "--timeout", str(timeout), "--access-logfile", "-",
            "--forwarded-allow-ips", os.environ.get("PINGGU_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        # exec: gunicorn becomes this process and handles signals itself.
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
