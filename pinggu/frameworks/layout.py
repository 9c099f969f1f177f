"""The notice's table: one row per assessment point, indicators as merged cells.

`grid` turns a framework dict (services.to_dict) into columns and positioned
cells; the web page, the Excel export and the Word export all draw from it, and
the Excel importer reads that same layout back.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop as N_

from . import schema
from .models import Sampling
from .tree import IndicatorNode, PointNode, Tree

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


def _default_codes(tree: Tree) -> bool:
    """Whether every code is the one the table implies (1, 1.1, ...; C01, C02, ...), so no code column is needed."""
    expected: list[tuple[str, str]] = []
    numbers: dict[IndicatorNode | None, int] = {}  # children numbered so far, per parent
    prefix: dict[IndicatorNode, str] = {}
    for step in tree.walk():
        node = step.node
        if isinstance(node, IndicatorNode):
            parent = step.path[-1] if step.path else None
            numbers[parent] = numbers.get(parent, 0) + 1
            prefix[node] = f"{prefix[parent]}." if parent is not None else ""
            prefix[node] += str(numbers[parent])
            expected.append((node.code, prefix[node]))
    cps = tree.points()
    width = max(2, len(str(len(cps))))
    expected += [(cp.code, f"C{i:0{width}d}") for i, cp in enumerate(cps, 1)]
    return all(a == b for a, b in expected)


def _fmt(value, suffix=""):
    return "" if value is None else f"{schema.out_number(value)}{suffix}"


def grid(data: Mapping[str, Any], *, translated: bool = False, tree: Tree | None = None) -> Grid:
    """The table of `data` (a framework dict; its `indicators` unless `tree` is given); `translated` shows
    sampling words in the reader's language (web pages only: the exports keep the notice's words so they
    import back)."""
    sampling_labels = {k: str(v) for k, v in Sampling.choices} if translated else SAMPLING_LABELS
    if tree is None:
        tree = Tree.from_dict(data["indicators"])
    nodes = list(tree.indicators())
    cps = tree.points()
    max_level = max([n.level for n in nodes] + [len(data.get("levels") or [])] or [1])
    names = data.get("levels") or []
    columns = [schema.level_name(level, names) for level in range(1, max_level + 1)]
    columns.append(N_("考核点"))
    # (label, getter for a point or None, (level, attribute, suffix) for an indicator column or None)
    extra: list[tuple[str, Callable[[PointNode], str] | None, tuple[int, str, str] | None]] = []
    if any(cp.points is not None for cp in cps):
        extra.append((N_("考核点分值"), lambda cp: _fmt(cp.points), None))
    if any(cp.weight is not None for cp in cps):
        extra.append((N_("考核点权重"), lambda cp: _fmt(cp.weight, "%"), None))
    for key, word, suffix in (("points", "分值", ""), ("weight", "权重", "%")):
        for level in range(1, max_level + 1):
            if any(getattr(n, key) is not None for n in nodes if n.level == level):
                label = schema.level_name(level, names).replace("指标", "") + word
                extra.append((label, None, (level, key, suffix)))
    if any(cp.sampling != "material" for cp in cps) or data.get("scoring_mode") not in (None, "none"):
        extra.append((N_("采样方式"), lambda cp: sampling_labels.get(cp.sampling, ""), None))
    if any(cp.hint for cp in cps):
        extra.append((N_("说明"), lambda cp: cp.hint, None))
    if any(cp.rules for cp in cps):
        extra.append((N_("扣分规则"), lambda cp: "\n".join(r.text for r in cp.rules), None))
    if any(cp.is_bonus for cp in cps):
        extra.append((N_("加分项"), lambda cp: "是" if cp.is_bonus else "", None))
    if any(cp.is_veto for cp in cps):
        extra.append((N_("单项否决"), lambda cp: "是" if cp.is_veto else "", None))
    if not _default_codes(tree):
        extra.append((N_("编号"), lambda cp: cp.code, None))
    columns += [label for label, _, _ in extra]
    cp_col = max_level

    # Rows an indicator spans: one per point below it, and one for an indicator with nothing below.
    spans = tree.roll_up(lambda cp: 1, lambda ind, below: max(1, sum(n for _, n in below)))
    cells = []
    row = 0
    for step in tree.walk():  # pre-order: an indicator's cell starts on the row of its first point
        node = step.node
        if isinstance(node, PointNode):
            cells.append(Cell(row, cp_col, node.text, kind="checkpoint", code=node.code))
            for offset, (_label, getter, _ind) in enumerate(extra, 1):
                if getter is not None:
                    cells.append(Cell(row, cp_col + offset, getter(node)))
            row += 1
            continue
        child_levels = [c.level for c in node.children]
        last = (min(child_levels) - 1) if child_levels else max_level
        cells.append(
            Cell(row, node.level - 1, f"{node.numbering}{node.title}", rowspan=spans[node],
                 colspan=max(1, last - node.level + 1), kind="indicator", code=node.code)
        )
        for offset, (_label, _getter, ind) in enumerate(extra, 1):
            if ind is not None and ind[0] == node.level:
                cells.append(Cell(row, cp_col + offset, _fmt(getattr(node, ind[1]), ind[2]), rowspan=spans[node]))
        if not node.children and not node.checkpoints:
            row += 1  # an indicator with nothing below still gets its own row
    return Grid(columns=columns, cells=cells, nrows=row)
