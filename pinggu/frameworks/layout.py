"""The notice's table: one row per assessment point, indicators as merged cells.

`grid` turns a framework dict (services.to_dict) into columns and positioned
cells; the web page, the Excel export and the Word export all draw from it, and
the Excel importer reads that same layout back.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from . import schema
from .models import Sampling

# The notice's own words, in every language: the exports must stay importable, and openpyxl cannot
# write a lazy translation (the 500 of issue 8, point 2).
SAMPLING_LABELS = {"material": "材料", "website": "网站检查", "other": "其他"}
assert set(SAMPLING_LABELS) == set(Sampling.values)
# Column labels stay Chinese here (the Excel and Word exports are Chinese documents, and the importer reads
# them back); pages translate them with {% translate label %}, so they are marked for the catalog, as are
# the level names the bundled checklists use.
LEVEL_NAMES = (N_("一级指标"), N_("二级指标"), N_("三级指标"), N_("四级指标"))


@dataclass
class Cell:
    row: int  # 0-based, data rows only
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "text"  # indicator | checkpoint | text
    code: str = ""


@dataclass
class Grid:
    columns: list  # header labels
    cells: list
    nrows: int

    def rows(self):
        """Cells grouped by the row they start in (for an HTML table)."""
        out = [[] for _ in range(self.nrows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def _checkpoints(nodes):
    for node in _walk(nodes):
        yield from node["checkpoints"]


def _default_codes(data):
    expected = []

    def visit(nodes, prefix):
        for i, node in enumerate(nodes, 1):
            expected.append((node["code"], f"{prefix}{i}"))
            visit(node["children"], f"{prefix}{i}.")

    visit(data["indicators"], "")
    cps = list(_checkpoints(data["indicators"]))
    width = max(2, len(str(len(cps))))
    expected += [(cp["code"], f"C{i:0{width}d}") for i, cp in enumerate(cps, 1)]
    return all(a == b for a, b in expected)


def _fmt(value, suffix=""):
    return "" if value is None else f"{schema.out_number(value)}{suffix}"


def grid(data, *, translated=False):
    """The table of `data`; `translated` shows sampling words in the reader's language (web pages only:
    the exports keep the notice's words so they import back)."""
    sampling_labels = {k: str(v) for k, v in Sampling.choices} if translated else SAMPLING_LABELS
    indicators = data["indicators"]
    nodes = list(_walk(indicators))
    cps = list(_checkpoints(indicators))
    max_level = max([n["level"] for n in nodes] + [len(data.get("levels") or [])] or [1])
    names = data.get("levels") or []
    columns = [schema.level_name(level, names) for level in range(1, max_level + 1)]
    columns.append(N_("考核点"))
    extra = []  # (label, getter for checkpoint or None, level for indicator columns)
    if any(cp.get("points") is not None for cp in cps):
        extra.append((N_("考核点分值"), lambda cp: _fmt(cp.get("points")), None))
    if any(cp.get("weight") is not None for cp in cps):
        extra.append((N_("考核点权重"), lambda cp: _fmt(cp.get("weight"), "%"), None))
    for key, word, suffix in (("points", "分值", ""), ("weight", "权重", "%")):
        for level in range(1, max_level + 1):
            if any(n.get(key) is not None for n in nodes if n["level"] == level):
                label = schema.level_name(level, names).replace("指标", "") + word
                extra.append((label, None, (level, key, suffix)))
    if any(cp.get("sampling", "material") != "material" for cp in cps) or data.get("scoring_mode") not in (None, "none"):
        extra.append((N_("采样方式"), lambda cp: sampling_labels.get(cp.get("sampling", "material"), ""), None))
    if any(cp.get("hint") for cp in cps):
        extra.append((N_("说明"), lambda cp: cp.get("hint", ""), None))
    if any(cp.get("deduction_rules") for cp in cps):
        extra.append((N_("扣分规则"), lambda cp: "\n".join(r["text"] for r in cp.get("deduction_rules") or []), None))
    if any(cp.get("bonus") for cp in cps):
        extra.append((N_("加分项"), lambda cp: "是" if cp.get("bonus") else "", None))
    if any(cp.get("veto") for cp in cps):
        extra.append((N_("单项否决"), lambda cp: "是" if cp.get("veto") else "", None))
    if not _default_codes(data):
        extra.append((N_("编号"), lambda cp: cp["code"], None))
    columns += [label for label, _, _ in extra]
    cp_col = max_level

    cells = []
    row = 0

    def place(node):
        nonlocal row
        start = row
        for child in node["children"]:
            place(child)
        for cp in node["checkpoints"]:
            cells.append(Cell(row, cp_col, cp["text"], kind="checkpoint", code=cp["code"]))
            for offset, (_label, getter, _ind) in enumerate(extra, 1):
                if getter is not None:
                    cells.append(Cell(row, cp_col + offset, getter(cp)))
            row += 1
        if row == start:
            row += 1  # an indicator with nothing below still gets its own row
        span = row - start
        child_levels = [c["level"] for c in node["children"]]
        last = (min(child_levels) - 1) if child_levels else max_level
        cells.append(
            Cell(start, node["level"] - 1, f"{node['numbering']}{node['title']}", rowspan=span,
                 colspan=max(1, last - node["level"] + 1), kind="indicator", code=node["code"])
        )
        for offset, (_label, getter, ind) in enumerate(extra, 1):
            if ind is not None and ind[0] == node["level"]:
                cells.append(Cell(start, cp_col + offset, _fmt(node.get(ind[1]), ind[2]), rowspan=span))

    for root in indicators:
        place(root)
    return Grid(columns=columns, cells=cells, nrows=row)
