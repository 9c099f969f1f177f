from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pinggu.site import demo


class Command(BaseCommand):
    help = "载入演示数据：只创建缺少的数据，已有的账户、密码和任务一律不动（--reset 才重设演示账户的密码）"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None,
                            help="新建（或 --reset 时重设）的演示账户使用的密码（默认随机生成并打印）")
        parser.add_argument("--reset", action="store_true",
                            help="把已有演示账户的密码重设为 --password 给出的（或随机生成的）密码")

    def handle(self, *args, password=None, reset=False, **opts):
        try:
            lines = list(demo.load(password=password, reset=reset))
        except ValidationError as exc:
            raise CommandError("演示密码不符合密码规则：" + " ".join(exc.messages)) from None
        for line in lines:
            self.stdout.write(line)
