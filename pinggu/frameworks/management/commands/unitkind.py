from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from pinggu.accounts.audit import record
from pinggu.frameworks.models import UnitKind
from pinggu.frameworks.schema import FRAMEWORK_CODE_RE


class Command(BaseCommand):
    help = "单位类型：list / add CODE NAME（如 add township 乡镇政府）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        add = sub.add_parser("add")
        add.add_argument("code")
        add.add_argument("name")

    def handle(self, *args, action, **opts):
        if action == "list":
            for kind in UnitKind.objects.ensure_defaults():
                self.stdout.write(f"{kind.code}\t{kind.name}")
            return
        code, name = opts["code"], opts["name"].strip()
        if not FRAMEWORK_CODE_RE.match(code) or not name:
            raise CommandError("代码只能使用小写字母、数字和连字符；名称不能为空。")
        UnitKind.objects.ensure_defaults()
        try:
            kind = UnitKind.objects.create(code=code, name=name, order=UnitKind.objects.count() + 1)
        except IntegrityError:
            raise CommandError(f"代码“{code}”或名称“{name}”已存在。") from None
        record("unit_kind_create", obj=kind, code=code, name=name)
        self.stdout.write(f"已添加单位类型：{code}\t{name}")
