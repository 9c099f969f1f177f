"""Framework rules: import, publish, version, delete. Views, API and CLI call these."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from pinggu.accounts.audit import record
from pinggu.errors import DomainError

from . import schema
from .models import Checkpoint, Framework, Indicator, Status, UnitKind
from .tree import IndicatorNode, PointNode, Tree

if TYPE_CHECKING:
    from pinggu.accounts.models import User


class FrameworkError(DomainError):
    """A refused change or import; `problems` (the API's `errors`) lists every cell at fault."""

    def __init__(self, message: str, code: str = "invalid", problems: list[dict[str, Any]] | None = None,
                 status: int = 400) -> None:
        self.problems = problems or []
        super().__init__(message, code=code, status=status, errors=self.problems)


def unit_kind_map() -> dict[str, str]:
    mapping = {}
    for kind in UnitKind.objects.ensure_defaults():
        mapping[kind.code] = kind.code
        mapping[kind.name] = kind.code
    return mapping


_FULL_PINYIN_UP_TO = 20  # letters; a longer name is shortened to its initials


def readable_code(name: str | None, year: int | None = None, taken: Iterable[str] = ()) -> str:
    """A framework code from its name and year when the file gives none: 榆林县级清单, 2020 -> yulinxianjiqingdan-2020.

    Pinyin syllables in full when short (榆林 -> yulin), initials when the name is long
    (县级政府评估工作印证材料报送清单 -> xjzfpggzyzclbsqd); Latin words kept; the year last.
    Never one already used (by any version, deleted ones too, or by `taken`): "-2", "-3"... follow.
    """
    text = str(name or "")
    if year:
        text = re.sub(rf"{year}\s*年?", " ", text)
    pieces = lazy_pinyin(text, errors=lambda s: [" " + s + " "])  # type: ignore[arg-type,return-value]  # a list is allowed
    short = sum(len(p) for p in pieces if not p.startswith(" ")) <= _FULL_PINYIN_UP_TO
    words, current = [], ""
    for piece in pieces:
        if piece.startswith(" "):  # not Chinese: its Latin letters and digits, as words of their own
            if current:
                words.append(current)
                current = ""
            words += re.findall(r"[a-z0-9]+", piece.lower())
        else:
            current += piece if short else piece[:1]
    if current:
        words.append(current)
    base = "-".join(words)[:40].strip("-") or "framework"
    if year:
        base = f"{base}-{year}"
    used = set(taken) | set(Framework.objects.filter(code__startswith=base).values_list("code", flat=True))
    code, n = base, 2
    while code in used:
        code, n = f"{base}-{n}", n + 1
    return code


def check(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a framework dict; raise FrameworkError listing every problem."""
    clean, problems = schema.validate(data, unit_kind_map())
    if problems:
        raise FrameworkError(_("文件有 %(n)d 处问题，未导入任何内容。") % {"n": len(problems)}, problems=list(problems))
    return clean


@transaction.atomic
def create_framework(
    data: dict[str, Any], *, user: User | None = None, request: HttpRequest | None = None, source_name: str = "",
    force_status: str | None = None, audit: dict[str, Any] | None = None,
) -> Framework:
    """Store a validated framework dict as a new version of its code.

    The stored version is the one in the data unless that version of the code
    already exists; then it becomes the next free version. Nothing is ever overwritten.
    """
    clean = check(schema.strip_private(data))
    code = clean["code"]
    # Lock the code's rows so two simultaneous imports cannot pick the same version.
    existing = list(Framework.objects.select_for_update().filter(code=code).values_list("version", flat=True))
    version = clean["version"]
    if version in existing:
        version = max(existing) + 1
    status = force_status or clean["status"]
    framework = Framework.objects.create(
        code=code,
        version=version,
        name=clean["name"],
        year=clean["year"],
        unit_kind=UnitKind.objects.get(code=clean["unit_kind"]),
        status=status,
        scoring_mode=clean["scoring_mode"],
        total_points=clean["total_points"],
        bonus_cap=clean.get("bonus_cap"),
        grade_bands=[{"name": b["name"], "min": schema.out_number(b["min"])} for b in clean["grade_bands"]],
        level_names=clean["levels"],
        description=clean["description"],
        source_name=source_name[:255],
        created_by=user if user is not None and user.pk else None,
        published_at=timezone.now() if status == Status.PUBLISHED else None,
    )
    _store_tree(framework, Tree.from_dict(clean["indicators"]))
    record(
        "framework_import", actor=user, request=request, obj=framework,
        code=code, version=version, source=source_name, status=status, **(audit or {}),
    )
    return framework


def _store_tree(framework: Framework, tree: Tree) -> None:
    """Insert the tree with one bulk insert per depth, not one query per node; positions follow `Tree.walk`."""
    by_depth: list[list[Indicator]] = []
    rows: dict[IndicatorNode, Indicator] = {}
    checkpoints: list[Checkpoint] = []
    for step in tree.walk():
        node = step.node
        if isinstance(node, PointNode):
            checkpoints.append(Checkpoint(
                framework=framework, indicator=rows[step.path[-1]], code=node.code, position=len(checkpoints) + 1,
                text=node.text, points=node.points, weight=node.weight, sampling=node.sampling, hint=node.hint,
                deduction_rules=[{"text": r.text, "points": schema.out_number(r.points)} for r in node.rules],
                is_bonus=node.is_bonus, is_veto=node.is_veto,
            ))
            continue
        # The parent's row exists before its children are inserted: its pk is set when its depth is stored.
        rows[node] = Indicator(
            framework=framework, parent=rows[step.path[-1]] if step.path else None, code=node.code,
            numbering=node.numbering, title=node.title, level=node.level, position=len(rows) + 1, weight=node.weight,
            points=node.points, deduction_cap=node.deduction_cap, note=node.note,
        )
        while len(by_depth) <= step.depth:
            by_depth.append([])
        by_depth[step.depth].append(rows[node])
    for level_rows in by_depth:
        Indicator.objects.bulk_create(level_rows)
    Checkpoint.objects.bulk_create(checkpoints)


# Published trees, kept per process: a published version never changes and a Tree is immutable, and
# every upload's answer redraws the point from its unit's checklist (at the deadline rush, building the
# tree from its rows was half of an upload request's time: bench/rush.py, docs/性能.md). The key carries
# the publication time too, so that a row id reused (tests rolled back on SQLite) never finds another tree.
_PUBLISHED_TREES: dict[tuple[Any, ...], Tree] = {}
_PUBLISHED_TREES_MAX = 64
_PUBLISHED_TREES_LOCK = threading.Lock()  # gunicorn's threads share the dict


def load_tree(framework: Framework) -> Tree:
    """The framework's typed tree (two queries: indicators, points; none for a published one seen before)."""
    if not framework.is_published:
        return Tree.from_models(framework)
    key = (framework.pk, framework.code, framework.version, framework.published_at)
    tree = _PUBLISHED_TREES.get(key)
    if tree is None:
        tree = Tree.from_models(framework)
        with _PUBLISHED_TREES_LOCK:
            if len(_PUBLISHED_TREES) >= _PUBLISHED_TREES_MAX:
                _PUBLISHED_TREES.pop(next(iter(_PUBLISHED_TREES)))
            _PUBLISHED_TREES[key] = tree
    return tree


def to_dict(framework: Framework, *, rule_ids: bool = False) -> dict[str, Any]:
    """The framework in its portable shape (the JSON/YAML export and the API detail).

    `rule_ids` adds each deduction rule's stable key ("C01#0") for the API; the files leave it out.
    """
    n = schema.out_number
    return {
        "code": framework.code,
        "name": framework.name,
        "year": framework.year,
        "unit_kind": framework.unit_kind.code,
        "version": framework.version,
        "status": framework.status,
        "scoring_mode": framework.scoring_mode,
        "total_points": n(framework.total_points),
        "bonus_cap": n(framework.bonus_cap),
        "grade_bands": framework.grade_bands,
        "levels": framework.level_names,
        "description": framework.description,
        "indicators": load_tree(framework).to_dicts(n, rule_ids=rule_ids),
    }


def frameworks_for_listing(include_all_versions: bool = False) -> QuerySet[Any]:  # Frameworks with checkpoint_count
    qs = Framework.objects.alive() if include_all_versions else Framework.objects.latest_versions()
    return qs.select_related("unit_kind").annotate(checkpoint_count=Count("checkpoints")).order_by("-year", "code", "-version")


def get_framework(code: str, version: int | None = None) -> Framework | None:
    """The requested version, or the newest one; None if there is none."""
    qs = Framework.objects.alive().select_related("unit_kind").filter(code=code)
    if version is not None:
        return qs.filter(version=version).first()
    return qs.order_by("-version").first()


def publish(framework: Framework, *, user: User | None = None, request: HttpRequest | None = None) -> Framework:
    if framework.is_published:
        raise FrameworkError(_("该版本已发布。"), code="already_published")
    framework.status = Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at"])
    record("framework_publish", actor=user, request=request, obj=framework, code=framework.code, version=framework.version)
    return framework


@transaction.atomic
def new_version(framework: Framework, *, user: User | None = None, request: HttpRequest | None = None) -> Framework:
    """Copy a framework into a new draft version: the only way to change a published one."""
    data = to_dict(framework)
    latest = Framework.objects.filter(code=framework.code).aggregate(v=Max("version"))["v"]
    data["version"] = latest + 1
    data["status"] = Status.DRAFT
    return create_framework(data, user=user, request=request, source_name=_("复制自 v%(v)d") % {"v": framework.version})


def in_use(framework: Framework) -> bool:
    """Whether any campaign uses this framework version (then it can't be deleted)."""
    return framework.campaign_uses.exists()


def delete(framework: Framework, *, user: User | None = None, request: HttpRequest | None = None) -> None:
    if in_use(framework):
        raise FrameworkError(_("该指标体系已被评估任务使用，不能删除。"), code="in_use")
    framework.deleted_at = timezone.now()
    framework.save(update_fields=["deleted_at"])
    record("framework_delete", actor=user, request=request, obj=framework, code=framework.code, version=framework.version)
