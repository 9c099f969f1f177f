from django.core.management.base import CommandError
from django.core.management.commands.check import Command as SystemCheckCommand
from django.utils.timesince import timesince

from pinggu.site import integrity


class Command(SystemCheckCommand):
    """Django's system checks, then the stored files against their rows (`pinggu check [--repair]`)."""

    help = ("检查配置（Django 系统检查），再核对存储：每条材料记录的文件存在且大小、SHA-256 与记录一致；"
            "列出没有记录的文件和没有文件的记录；有任何问题时以非零退出码结束。"
            "--repair 删除超过一天仍无记录的文件（从不删除有记录的或较新的文件），并写入审计日志")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--repair", action="store_true", help="删除超过一天仍无记录的文件")

    def handle(self, *app_labels, repair=False, **options):
        super().handle(*app_labels, **options)
        if app_labels or options.get("tags") or options.get("deploy") or options.get("list_tags"):
            return  # asked for particular system checks only
        if not integrity.migrated():
            self.stdout.write("数据库尚未迁移（pinggu migrate），跳过存储核对")
            return
        report = integrity.check(repair=repair)
        write = self.stdout.write
        write(f"已核对 {report.rows} 条文件记录")
        for label in report.missing:
            write(f"缺少文件：{label}")
        for label in report.wrong:
            write(f"文件与记录不符：{label}")
        for orphan in report.orphans:
            if orphan.key in report.removed:
                state = "已删除"
            elif orphan.old:
                state = "超过一天，可用 --repair 删除"
            else:
                state = "较新，可能是正在进行的上传，暂不处理"
            age = timesince_seconds(orphan.age)
            write(f"没有记录的文件：{orphan.key}（{orphan.size} 字节，已存在 {age}；{state}）")
        for failure in report.failed:
            write(failure)
        if not report.ok:
            problems = len(report.missing) + len(report.wrong) + len(report.failed) + sum(
                1 for o in report.orphans if o.old and o.key not in report.removed)
            raise CommandError(f"存储核对发现 {problems} 个问题")
        write("存储核对通过")


def timesince_seconds(seconds: float) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return timesince(timezone.now() - timedelta(seconds=seconds))
