from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pinggu.site import backup as backups


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # nothing here needs the URL configuration and its imports (a minute on a busy machine)
    help = ("把 `pinggu backup` 写入 DIR 的备份（默认最新一次）恢复到一个全新的空实例：数据库和全部文件，逐个核对 SHA-256；"
            f"目标实例已有用户、评估任务或文件时拒绝恢复（退出码 {backups.EXIT_NOT_EMPTY}）")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="备份目录")
        parser.add_argument("--backup", metavar="TIMESTAMP", help="要恢复的那次备份（DIR 下的目录名），默认最新一次")

    def handle(self, *args, directory, backup=None, **opts):
        try:
            result = backups.restore(Path(directory), backup, out=self.stdout)
        except backups.BackupError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        except OSError as exc:  # the backup directory or the data directory: unreadable, full
            raise CommandError(f"恢复失败：{exc}") from exc
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"恢复完成，但有 {len(result.problems)} 个问题（见上）")
