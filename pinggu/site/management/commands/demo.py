from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pinggu.site import demo


class Command(BaseCommand):
    help = "载入演示数据（可重复运行，不会重复创建）"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="演示账户的密码（默认随机生成并打印）")

    def handle(self, *args, password=None, **opts):
        try:
            lines = list(demo.load(password=password))
        except ValidationError as exc:
            raise CommandError("演示密码不符合密码规则：" + " ".join(exc.messages)) from None
        for line in lines:
            self.stdout.write(line)
