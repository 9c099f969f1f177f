from django.core.management.base import BaseCommand

from pinggu.site import demo


class Command(BaseCommand):
    help = "载入演示数据（可重复运行，不会重复创建）"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="演示账户的密码（默认随机生成并打印）")

    def handle(self, *args, password=None, **opts):
        for line in demo.load(password=password):
            self.stdout.write(line)
