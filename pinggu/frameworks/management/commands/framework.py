import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pinggu.frameworks import exports, importing, services


class Command(BaseCommand):
    help = "指标体系：list / import FILE / export CODE"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="列出指标体系（每个代码的最新版本）")
        imp = sub.add_parser("import", help="导入 .xlsx / .docx / .yaml / .json")
        imp.add_argument("file")
        imp.add_argument("--sheet", help="只导入此工作表")
        imp.add_argument("--code")
        imp.add_argument("--name")
        imp.add_argument("--year", type=int)
        imp.add_argument("--unit-kind")
        imp.add_argument("--accept-points-mismatch", action="store_true", help="分值合计与总分不一致，仍然导入")
        imp.add_argument("--keep-punctuation", action="store_true", help="保留中文之间的半角标点（默认改为全角）")
        exp = sub.add_parser("export", help="导出")
        exp.add_argument("code")
        exp.add_argument("--format", choices=["yaml", "json", "xlsx", "docx"], default="yaml")
        exp.add_argument("--version", type=int, dest="fw_version")
        exp.add_argument("-o", "--output", required=True, help="输出文件；yaml/json 可用 - 表示标准输出")

    def handle(self, *args, action, **opts):
        getattr(self, f"do_{action}")(**opts)

    def do_list(self, **opts):
        rows = services.frameworks_for_listing()
        for fw in rows:
            self.stdout.write(
                f"{fw.code}\tv{fw.version}\t{fw.get_status_display()}\t{fw.year}\t{fw.unit_kind.name}\t{fw.checkpoint_count}个考核点\t{fw.name}"
            )
        if not rows:
            self.stdout.write("（还没有指标体系）")

    def do_import(self, file, sheet=None, code=None, name=None, year=None, unit_kind=None,
                  accept_points_mismatch=False, keep_punctuation=False, **opts):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        defaults = {"code": code, "name": name, "year": year, "unit_kind": unit_kind}
        try:
            with path.open("rb") as fh:
                datas = importing.read(path.name, fh, sheet=sheet, defaults=defaults, normalise=not keep_punctuation,
                                       accept_points_mismatch=accept_points_mismatch)
            frameworks = importing.store(datas, source_name=path.name)
        except services.FrameworkError as exc:
            for p in exc.problems:
                self.stderr.write(f"  {_where(p)}")
            if exc.code == "points_mismatch":
                self.stderr.write("核对无误后可加 --accept-points-mismatch 仍然导入。")
            raise CommandError(exc.message) from None
        for fw in frameworks:
            self.stdout.write(f"已导入 {fw.code} v{fw.version}（{fw.get_status_display()}）：{fw.name}，{fw.checkpoints.count()} 个考核点")
        for p in datas.warnings:
            self.stdout.write(f"注意：{_where(p)}")

    def do_export(self, code, format, fw_version=None, output=None, **opts):
        framework = services.get_framework(code, fw_version)
        if framework is None:
            raise CommandError(f"指标体系不存在：{code}")
        body = exports.render(framework, format)
        if output == "-":
            if format in ("xlsx", "docx"):
                raise CommandError("xlsx/docx 不能写到标准输出，请用 -o 指定文件。")
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            Path(output).write_bytes(body)
            self.stdout.write(f"已导出到 {output}")


def _where(problem):
    """A problem or warning as one line: where it is (sheet, row, column or path), then what."""
    p = problem
    where = " ".join(str(x) for x in (p.get("sheet"), p.get("row") and f"第{p['row']}行", p.get("column") and f"{p['column']}列", p.get("path")) if x)
    return f"{where}: {p['message']}" if where else p["message"]
