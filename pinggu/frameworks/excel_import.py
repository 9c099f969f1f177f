"""Import the Excel layout organizers actually have.

A header row names the levels (一级指标 … 四级指标) and the 考核点 column, with
optional 分值/权重, 采样方式, 说明, 扣分规则, 加分项, 单项否决 and 编号 columns
in any order. Parents are given by vertically merged cells or by blank cells
meaning "same as above"; a cell merged across level columns means the deeper
level is absent on that branch. Each sheet with such a header is one framework.
Workbooks and sheets larger than any checklist (MAX_* below) are refused.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.cell_range import CellRange

from pinggu.lib import zipdir

from . import schema
from .models import Sampling
from .services import FrameworkError, readable_code, unit_kind_map
from .text import clean_text, split_numbering

_CN = "一二三四五六七八九十"
_LEVEL_HEADER = re.compile(rf"^([{_CN}]|\d+)?级指标(名称)?$")
_CHECKPOINT_HEADERS = ("考核点", "考核要点", "评估要点", "考核内容", "评估内容", "评分要点")
_HINT_HEADERS = ("说明", "印证材料", "佐证材料", "材料要求", "印证材料说明", "备注")
_RULE_HEADERS = ("扣分规则", "评分标准", "评分细则", "扣分标准", "扣分办法")
_SAMPLING_HEADERS = ("采样方式", "采样方法", "抽样方式", "检查方式", "评估方式")
_POINTS_HEADERS = ("分值", "分数", "标准分", "满分", "分值(分)")
_CODE_HEADERS = ("编号", "考核点编号", "代码", "序号")
_SAMPLING_WORDS = {
    "材料": Sampling.MATERIAL, "印证材料": Sampling.MATERIAL, "材料审核": Sampling.MATERIAL,
    "网站检查": Sampling.WEBSITE, "网站": Sampling.WEBSITE, "网站核查": Sampling.WEBSITE, "网上检查": Sampling.WEBSITE,
    "其他": Sampling.OTHER, "其它": Sampling.OTHER,
}
_TRUE_WORDS = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "加分项", "单项否决", "否决"}
_TOTAL_ROW = re.compile(r"^(合计|总计|总分|合计分值|分值合计)$")
_RULE_POINTS = re.compile(r"扣\s*(\d+(?:\.\d+)?)\s*分")
# Far beyond any real checklist (the notice's have about a hundred rows and a dozen columns),
# and small enough that an import stays a matter of seconds.
MAX_ROWS = 5_000
MAX_COLUMNS = 50
MAX_CELLS = 200_000  # non-empty cells plus cells covered by merged ranges, per sheet
# The workbook's XML, as its ZIP directory declares it: openpyxl parses a sheet twice (once
# looking for its dimension), at about 7 MB a second.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


def _level_of(header):
    match = _LEVEL_HEADER.match(header)
    if not match:
        return None
    digit = match.group(1)
    if digit is None:
        return 0  # "级指标": the OCR lost the numeral; placed by position
    return int(digit) if digit.isdigit() else _CN.index(digit) + 1


@dataclass
class Header:
    row: int
    levels: list = field(default_factory=list)  # [(col, level, name)]
    checkpoint: int | None = None
    code: int | None = None
    sampling: int | None = None
    hint: int | None = None
    rules: int | None = None
    bonus: int | None = None
    veto: int | None = None
    kind: int | None = None
    points: dict = field(default_factory=dict)  # target ("cp" or level) -> col
    weights: dict = field(default_factory=dict)


def _classify(row_cells):
    """Read a candidate header row; None when it is not one."""
    texts = {col: clean_text(v) for col, v in row_cells.items() if clean_text(v)}
    levels = [(col, _level_of(t), t) for col, t in sorted(texts.items()) if _level_of(t) is not None]
    cp_cols = [col for col, t in texts.items() if t in _CHECKPOINT_HEADERS or t.startswith("考核点")]
    if not levels or not cp_cols:
        return None
    header = Header(row=0, checkpoint=min(cp_cols))
    previous = 0
    for col, level, name in levels:
        level = level or previous + 1
        header.levels.append((col, level, name if _level_of(name) else f"{_CN[level - 1]}级指标"))
        previous = level
    level_by_name = {name: level for _, level, name in header.levels}
    for col, t in texts.items():
        if col == header.checkpoint or any(col == c for c, _, _ in header.levels):
            continue
        bare = re.sub(r"[（(][^)）]*[)）]$", "", t)
        if bare.endswith("权重") or bare.endswith("分值") or bare in _POINTS_HEADERS:
            is_weight = "权重" in bare
            prefix = bare[: -2] if bare.endswith(("权重", "分值")) else ""
            target = _target_for(col, prefix, header, level_by_name)
            (header.weights if is_weight else header.points)[target] = col
        elif t in _CODE_HEADERS:
            header.code = col
        elif t in _SAMPLING_HEADERS:
            header.sampling = col
        elif t in _HINT_HEADERS:
            header.hint = col
        elif t in _RULE_HEADERS:
            header.rules = col
        elif t in ("加分项", "是否加分项"):
            header.bonus = col
        elif t in ("单项否决", "否决项", "一票否决"):
            header.veto = col
        elif t in ("类型", "属性", "考核点类型"):
            header.kind = col
    return header


def _target_for(col, prefix, header, level_by_name):
    """Which level (or "cp") a 分值/权重 column belongs to: named, or the nearest column to its left."""
    for name, level in level_by_name.items():
        if prefix and (prefix == name or prefix + "指标" == name or prefix == name.replace("指标", "")):
            return level
    if prefix in ("考核点",):
        return "cp"
    left = [(c, lvl) for c, lvl, _ in header.levels if c < col]
    if header.checkpoint < col and (not left or header.checkpoint > max(c for c, _ in left)):
        return "cp"
    return max(left)[1] if left else "cp"


class _TooLarge(Exception):
    """A sheet past MAX_ROWS, MAX_COLUMNS or MAX_CELLS, reported where the limit was crossed."""

    def __init__(self, title: str, what: str, row: int, column: int):
        message = {
            "rows": _("工作表“%(s)s”超过 %(n)d 行，未导入。") % {"s": title, "n": MAX_ROWS},
            "columns": _("工作表“%(s)s”超过 %(n)d 列，未导入。") % {"s": title, "n": MAX_COLUMNS},
            "cells": _("工作表“%(s)s”的单元格（含合并区域）超过 %(n)d 个，未导入。") % {"s": title, "n": MAX_CELLS},
        }[what]
        # A workbook may carry a large data sheet beside its checklist: naming the sheet to import skips it.
        message = _("%(problem)s如果它不是指标清单，请指定只导入清单所在的工作表。") % {"problem": message}
        self.problem = {"sheet": title, "row": row, "column": get_column_letter(column), "message": message}


class _Sheet:
    """Cell values with merged ranges resolved to their top-left cell.

    Read with openpyxl's sheet parser directly: its public readers cost in proportion to what a
    sheet claims rather than what it holds (read-only rows are padded out to the declared
    dimension, and a full load makes an object for every cell of every merged range, so a 13 KB
    file claiming A1:XFD1048576 never finishes). Only cells present in the file are visited, and
    merged ranges are clipped to where the values are.
    """

    @classmethod
    def from_cells(cls, title, cells):
        """A grid from {(row, col): (value, origin)}: the origin is the top-left of the merged area a cell is in."""
        sheet = cls.__new__(cls)
        sheet.title = title
        sheet.values, sheet.origin = {}, {}
        for (r, c), (value, origin) in cells.items():
            if origin != (r, c):
                sheet.origin[(r, c)] = origin
            elif value is not None and (not isinstance(value, str) or value.strip()):
                sheet._keep(r, c, value)
        sheet.max_row = max((r for r, _c in sheet.values), default=0)
        sheet.max_col = max((c for _r, c in sheet.values), default=0)
        return sheet

    def __init__(self, ws: ReadOnlyWorksheet):
        self.title = ws.title
        self.values: dict[tuple[int, int], Any] = {}
        with ws._get_source() as source:
            parser = WorkSheetParser(source, ws._shared_strings, data_only=True, epoch=ws.parent.epoch,
                                     date_formats=ws.parent._date_formats, timedelta_formats=ws.parent._timedelta_formats)
            for _row, cells in parser.parse():
                for cell in cells:
                    value = cell["value"]
                    if value is not None and (not isinstance(value, str) or value.strip()):
                        self._keep(cell["row"], cell["column"], value)
            merged = parser.merged_cells.mergeCell if parser.merged_cells else []
        self.max_row = max((r for r, _c in self.values), default=0)
        self.max_col = max((c for _r, c in self.values), default=0)
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        for ref in merged:
            rng = CellRange(ref.ref)
            rows = range(rng.min_row, min(rng.max_row, self.max_row) + 1)
            cols = range(rng.min_col, min(rng.max_col, self.max_col) + 1)
            if len(self.values) + len(self.origin) + len(rows) * len(cols) > MAX_CELLS:
                raise _TooLarge(self.title, "cells", rng.min_row, rng.min_col)
            for r in rows:
                for c in cols:
                    self.origin[(r, c)] = (rng.min_row, rng.min_col)

    def _keep(self, row: int, col: int, value) -> None:
        if row > MAX_ROWS:
            raise _TooLarge(self.title, "rows", row, col)
        if col > MAX_COLUMNS:
            raise _TooLarge(self.title, "columns", row, col)
        self.values[(row, col)] = value
        if len(self.values) > MAX_CELLS:
            raise _TooLarge(self.title, "cells", row, col)

    def raw(self, r, c):
        return self.values.get(self.origin.get((r, c), (r, c)))

    def text(self, r, c):
        return clean_text(self.raw(r, c))

    def origin_of(self, r, c):
        return self.origin.get((r, c), (r, c))


def _loc(sheet_name, row, columns):
    return {"sheet": sheet_name, "row": row, "columns": {k: get_column_letter(v) for k, v in columns.items() if v}}


def _unreadable() -> FrameworkError:
    return FrameworkError(
        _("无法读取 Excel 文件。"),
        problems=[{"sheet": None, "row": None, "column": None, "message": _("文件不是有效的 .xlsx 工作簿（旧版 .xls 请先另存为 .xlsx）。")}],
    )


def _read_sheet(ws: ReadOnlyWorksheet) -> _Sheet:
    try:
        return _Sheet(ws)
    except _TooLarge as exc:
        raise FrameworkError(_("文件过大。"), code="too_large", problems=[exc.problem]) from None
    except Exception:  # a damaged sheet: openpyxl and the XML parser raise many types
        raise _unreadable() from None


def _check_unpacked_size(fileobj) -> None:
    """Refuse before openpyxl opens the ZIP: its directory and its XML are read whole."""
    if zipdir.declares_more_than(fileobj, MAX_UNPACKED_BYTES):
        message = _("工作簿解压后超过 %(n)d MB 或内含文件过多，不像指标清单，未导入。") % {"n": MAX_UNPACKED_BYTES // 2**20}
        raise FrameworkError(_("文件过大。"), code="too_large", problems=[{"sheet": None, "row": None, "column": None, "message": message}])


def parse_sheet(ws, defaults):
    """One sheet to a framework dict (with _loc on every node), or (None, problems)."""
    return parse_grid(_read_sheet(ws), defaults)


def parse_grid(sheet, defaults):
    """A table of cells (a sheet, or a Word table: see word_import) to a framework dict, or (None, problems)."""
    problems = schema.Problems()
    all_cols = range(1, sheet.max_col + 1)
    header = None
    title = ""
    for r in range(1, min(sheet.max_row, 30) + 1):
        cells = {c: sheet.raw(r, c) for c in all_cols if sheet.origin_of(r, c) == (r, c)}
        header = _classify(cells)
        if header:
            header.row = r
            break
        texts = {clean_text(v) for v in cells.values()} - {""}
        if len(texts) == 1 and not re.fullmatch(r"附件\s*\d*", next(iter(texts))):
            title = texts.pop()  # the last lone text above the header names the checklist
    if header is None:
        problems.append({"sheet": sheet.title, "row": None, "column": None,
                         "message": _("找不到表头：需要一行写明“一级指标”“二级指标”等层级和“考核点”。")})
        return None, problems

    level_cols = [col for col, _, _ in header.levels]
    level_of_col = {col: level for col, level, _ in header.levels}
    roots = []
    prev_path = {}  # level -> node of the previous row
    node_by_origin = {}
    checkpoint_origins = set()
    checkpoints = []
    consumed = set()  # the origins of the cells whose values went into a node
    data_rows = []
    total = None
    for r in range(header.row + 1, sheet.max_row + 1):
        row_texts = [sheet.text(r, c) for c in all_cols]
        if not any(row_texts):
            continue
        if _classify({c: sheet.raw(r, c) for c in all_cols}):
            continue  # a header repeated after a page break
        if any(_TOTAL_ROW.match(sheet.text(r, c)) for c in [*level_cols, header.checkpoint]):
            # 合计: the total of the points, not an indicator
            values = [sheet.raw(r, c) for c in header.points.values() if sheet.text(r, c)]
            if values and total is None:
                total = values[0]
            continue
        data_rows.append(r)
        path = {}
        changed = False
        for col in level_cols:
            level = level_of_col[col]
            origin = sheet.origin_of(r, col)
            if origin[1] < col and origin[1] in level_of_col:
                continue  # spanned by a shallower level's cell: this level is absent here
            if origin in node_by_origin:
                node = node_by_origin[origin]
                if origin[0] < r:
                    path[level] = node  # vertically merged: same as above
                    continue
            raw = sheet.raw(r, col)
            text = clean_text(raw)
            if not text:
                if not changed and level in prev_path:
                    path[level] = prev_path[level]  # blank: same as above
                continue
            numbering, title_text = split_numbering(text)
            above = prev_path.get(level)
            if not changed and above is not None and above["numbering"] == numbering and above["title"] == title_text:
                path[level] = above  # the same text repeated: same as above
                node_by_origin[origin] = above
                continue
            changed = True
            parent = path[max(path)] if path else None
            node = {
                "numbering": numbering, "title": title_text, "level": level,
                "children": [], "checkpoints": [],
                "_loc": _loc(sheet.title, origin[0], {"title": col, "code": col,
                                                   "weight": header.weights.get(level), "points": header.points.get(level)}),
            }
            _scores(node, sheet, origin[0], header.weights.get(level), header.points.get(level))
            consumed.update(sheet.origin_of(origin[0], c) for c in (header.weights.get(level), header.points.get(level)) if c)
            (parent["children"] if parent else roots).append(node)
            node_by_origin[origin] = node
            path[level] = node
        prev_path = path

        cp_origin = sheet.origin_of(r, header.checkpoint)
        cp_text = sheet.text(r, header.checkpoint)
        if not cp_text or cp_origin in checkpoint_origins:
            continue
        checkpoint_origins.add(cp_origin)
        columns = {"text": header.checkpoint, "code": header.code, "sampling": header.sampling, "hint": header.hint,
                   "deduction_rules": header.rules, "bonus": header.bonus or header.kind, "veto": header.veto or header.kind,
                   "points": header.points.get("cp"), "weight": header.weights.get("cp")}
        cp = {"text": cp_text, "_loc": _loc(sheet.title, cp_origin[0], columns)}
        if not path:
            problems.add(_("考核点没有所属指标：请在左侧填写它的指标。"), cp, "text")
            continue
        _checkpoint_fields(cp, sheet, cp_origin[0], header, problems)
        consumed.update(sheet.origin_of(cp_origin[0], c) for c in columns.values() if c)
        path[max(path)]["checkpoints"].append(cp)
        checkpoints.append(cp)

    _assign_codes(roots, checkpoints)
    name = defaults.get("name") or title or sheet.title
    data = {
        "code": defaults.get("code") or None,  # none given: importing derives a readable one from name and year
        "name": name,
        "year": defaults.get("year") or _year_from(name) or timezone.localdate().year,
        "unit_kind": defaults.get("unit_kind") or _kind_from(name),
        "version": 1,
        "status": "draft",
        "scoring_mode": "weights" if header.weights else ("points" if header.points else "none"),
        "total_points": total if total is not None else 100,
        "grade_bands": schema.DEFAULT_GRADE_BANDS if (header.weights or header.points) else [],
        "levels": [name for _, _, name in header.levels],
        "description": "",
        "indicators": roots,
        "_warnings": _dropped(sheet, header, data_rows, consumed),
    }
    return data, problems


def _dropped(sheet, header, rows, consumed):
    """Every filled cell of a value column that no node took: a 分值 on a row without 考核点, a second
    说明 beside a merged 考核点... Reported by sheet, row and column, never dropped silently."""
    labels = {header.code: _("编号"), header.sampling: _("采样方式"), header.hint: _("说明"), header.rules: _("扣分规则"),
              header.bonus: _("加分项"), header.veto: _("单项否决"), header.kind: _("类型")}
    for col in header.points.values():
        labels[col] = _("分值")
    for col in header.weights.values():
        labels[col] = _("权重")
    labels.pop(None, None)
    warnings = []
    for r in rows:
        for col in sorted(labels):
            origin = sheet.origin_of(r, col)
            value = sheet.text(r, col)
            if origin[0] != r or not value or origin in consumed:
                continue
            warnings.append({
                "sheet": sheet.title, "row": r, "column": get_column_letter(col), "code": "dropped",
                "message": _("第 %(row)d 行的%(what)s“%(value)s”没有对应的考核点或指标，未导入。") % {"row": r, "what": labels[col], "value": value[:40]},
            })
    return warnings


def _scores(node, sheet, row, weight_col, points_col):
    if weight_col:
        node["weight"] = sheet.raw(row, weight_col)
    if points_col:
        node["points"] = sheet.raw(row, points_col)


def _checkpoint_fields(cp, sheet, row, header, problems):
    if header.code:
        code = sheet.text(row, header.code)
        if code:
            cp["code"] = code
    _scores(cp, sheet, row, header.weights.get("cp"), header.points.get("cp"))
    if header.sampling:
        word = sheet.text(row, header.sampling)
        if word:
            if word in _SAMPLING_WORDS:
                cp["sampling"] = _SAMPLING_WORDS[word]
            else:
                problems.add(_("采样方式“%(s)s”无法识别，可填：材料、网站检查、其他。") % {"s": word}, cp, "sampling")
    if header.hint:
        cp["hint"] = sheet.text(row, header.hint)
    if header.rules:
        raw = sheet.raw(row, header.rules)
        rules = []
        for line in re.split(r"[\n；;]+", str(raw or "")):
            line = clean_text(line)
            if not line:
                continue
            match = _RULE_POINTS.search(line)
            rules.append({"text": line, "points": match.group(1) if match else None})
            if not match:
                problems.add(_("扣分规则“%(r)s”没有写明扣几分（如“每例扣2分”）。") % {"r": line}, cp, "deduction_rules")
        cp["deduction_rules"] = rules
    for key, col in (("bonus", header.bonus), ("veto", header.veto)):
        if col:
            cp[key] = sheet.text(row, col).lower() in _TRUE_WORDS
    if header.kind:
        kind = sheet.text(row, header.kind)
        cp["bonus"] = cp.get("bonus", False) or "加分" in kind
        cp["veto"] = cp.get("veto", False) or "否决" in kind


def _assign_codes(roots, checkpoints):
    def visit(nodes, prefix):
        for i, node in enumerate(nodes, 1):
            node["code"] = f"{prefix}{i}"
            visit(node["children"], f"{node['code']}.")

    visit(roots, "")
    width = max(2, len(str(len(checkpoints))))
    for i, cp in enumerate(checkpoints, 1):
        cp.setdefault("code", f"C{i:0{width}d}")


def _year_from(name):
    match = re.search(r"(19|20)\d{2}", name)
    return int(match.group(0)) if match else None


def _kind_from(name):
    kinds = unit_kind_map()
    for word, code in (("事业单位", "institution"), ("部门", "department"), ("县", "county"), ("区", "county")):
        if word in name and code in kinds:
            return code
    return next(iter(sorted(set(kinds.values()))), "")


def read_workbook(fileobj, *, sheet=None, defaults=None):
    """The frameworks laid out in a workbook (or the named sheet), with `_loc` on every node, and the layout
    problems met on the way. Values are checked once, by importing.read, which reports them by sheet/row/column."""
    defaults = defaults or {}
    _check_unpacked_size(fileobj)
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a non-workbook
        raise _unreadable() from None
    try:
        return _read_sheets(wb, sheet, defaults)
    finally:
        wb.close()


def _read_sheets(wb, sheet, defaults):
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise FrameworkError(
                _("工作表不存在。"),
                problems=[{"sheet": sheet, "row": None, "column": None,
                           "message": _("没有名为“%(s)s”的工作表，现有：%(all)s。") % {"s": sheet, "all": "、".join(wb.sheetnames)}}],
            )
        sheets = [wb[sheet]]
    else:
        sheets = wb.worksheets
    frameworks, problems, headerless = [], [], []
    for ws in sheets:
        data, sheet_problems = parse_sheet(ws, defaults if len(sheets) == 1 else {k: v for k, v in defaults.items() if k != "code"})
        if data is None:
            headerless.extend(sheet_problems)
            continue
        problems.extend(sheet_problems)
        frameworks.append(data)
    if not frameworks:
        problems.extend(headerless)
    elif len(sheets) == 1:
        problems.extend(headerless)
    taken = {f["code"] for f in frameworks if f["code"]}
    for f in frameworks:
        if not f["code"]:
            f["code"] = readable_code(f["name"], f["year"] if isinstance(f["year"], int) else None, taken)
            taken.add(f["code"])
    codes = [f["code"] for f in frameworks]
    for dup in {c for c in codes if codes.count(c) > 1}:
        problems.append({"sheet": None, "row": None, "column": None, "message": _("多个工作表得到同一个代码“%(c)s”。") % {"c": dup}})
    return frameworks, problems
