from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pinggu.site import backup


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # nothing here needs the URL configuration and its imports (a minute on a busy machine)
    help = ("备份数据库和全部存储文件到目录 DIR：数据库快照（SQLite 在线备份 / PostgreSQL pg_dump）、"
            "快照所引用的每个文件（按内容去重，多次备份共用 DIR/objects）和带 SHA-256 的清单；运行中的服务无需停止")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="备份目录（每次备份写入 DIR/<时间戳>/）")

    def handle(self, *args, directory, **opts):
        try:
            result = backup.backup(Path(directory), out=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        except OSError as exc:  # the backup directory's disk: full, read-only, gone
            raise CommandError(f"备份失败：{exc}") from exc
        if result.stats.problems:
            for problem in result.stats.problems:
                self.stderr.write(problem)
            raise CommandError(f"备份已写入 {result.path}，但有 {len(result.stats.problems)} 个问题（见上），请检查后重新备份")
