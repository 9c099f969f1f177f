"""Framework rules: import, publish, version, delete. Views, API and CLI call these."""

import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from pinggu.accounts.audit import record

from . import schema
from .models import Checkpoint, Framework, Indicator, Status, UnitKind


class FrameworkError(Exception):
    """A refused change, with a message for the user and a machine-readable code."""

    def __init__(self, message, code="invalid", problems=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.problems = problems or []


def unit_kind_map():
    mapping = {}
    for kind in UnitKind.objects.ensure_defaults():
        mapping[kind.code] = kind.code
        mapping[kind.name] = kind.code
    return mapping


_FULL_PINYIN_UP_TO = 20  # letters; a longer name is shortened to its initials


def readable_code(name, year=None, taken=()):
    """A framework code from its name and year when the file gives none: 榆林县级清单, 2020 -> yulinxianjiqingdan-2020.

    Pinyin syllables in full when short (榆林 -> yulin), initials when the name is long
    (县级政府评估工作印证材料报送清单 -> xjzfpggzyzclbsqd); Latin words kept; the year last.
    Never one already used (by any version, deleted ones too, or by `taken`): "-2", "-3"... follow.
    """
    text = str(name or "")
    if year:
        text = re.sub(rf"{year}\s*年?", " ", text)
    pieces = lazy_pinyin(text, errors=lambda s: [" " + s + " "])
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


def check(data):
    """Validate a framework dict; raise FrameworkError listing every problem."""
    clean, problems = schema.validate(data, unit_kind_map())
    if problems:
        raise FrameworkError(_("文件有 %(n)d 处问题，未导入任何内容。") % {"n": len(problems)}, problems=list(problems))
    return clean


@transaction.atomic
def create_framework(data, *, user=None, request=None, source_name="", force_status=None, audit=None):
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
    _store_tree(framework, clean["indicators"])
    record(
        "framework_import", actor=user, request=request, obj=framework,
        code=code, version=version, source=source_name, status=status, **(audit or {}),
    )
    return framework


def _store_tree(framework, indicators):
    """Insert the tree with one bulk insert per depth, not one query per node."""
    counter = {"indicator": 0, "checkpoint": 0}
    by_depth = []  # [(node_dict, parent_dict_or_None)] per depth
    ordered = []

    def visit(nodes, parent, depth):
        for node in nodes:
            counter["indicator"] += 1
            node["_position"] = counter["indicator"]
            while len(by_depth) <= depth:
                by_depth.append([])
            by_depth[depth].append((node, parent))
            ordered.append(node)
            visit(node["children"], node, depth + 1)

    visit(indicators, None, 0)
    for level_nodes in by_depth:
        objs = [
            Indicator(
                framework=framework,
                parent=parent["_obj"] if parent else None,
                code=node["code"],
                numbering=node["numbering"],
                title=node["title"],
                level=node["level"],
                position=node["_position"],
                weight=node["weight"],
                points=node["points"],
                deduction_cap=node["deduction_cap"],
                note=node["note"],
            )
            for node, parent in level_nodes
        ]
        Indicator.objects.bulk_create(objs)
        for (node, _parent), obj in zip(level_nodes, objs):
            node["_obj"] = obj
    checkpoints = []
    for node in ordered:
        for cp in node["checkpoints"]:
            counter["checkpoint"] += 1
            checkpoints.append(
                Checkpoint(
                    framework=framework,
                    indicator=node["_obj"],
                    code=cp["code"],
                    position=counter["checkpoint"],
                    text=cp["text"],
                    points=cp["points"],
                    weight=cp["weight"],
                    sampling=cp["sampling"],
                    hint=cp["hint"],
                    deduction_rules=[{"text": r["text"], "points": schema.out_number(r["points"])} for r in cp["deduction_rules"]],
                    is_bonus=cp["bonus"],
                    is_veto=cp["veto"],
                )
            )
    Checkpoint.objects.bulk_create(checkpoints)


def load_tree(framework):
    """The framework as nested Indicator objects with `.child_list` and `.checkpoint_list` (two queries)."""
    indicators = list(framework.indicators.order_by("position"))
    checkpoints = list(framework.checkpoints.order_by("position"))
    by_id = {}
    roots = []
    for ind in indicators:
        ind.child_list = []
        ind.checkpoint_list = []
        by_id[ind.pk] = ind
    for ind in indicators:
        if ind.parent_id is None:
            roots.append(ind)
        else:
            by_id[ind.parent_id].child_list.append(ind)
    for cp in checkpoints:
        by_id[cp.indicator_id].checkpoint_list.append(cp)
    return roots


def to_dict(framework):
    """The framework in its portable shape (the JSON/YAML export and the API detail)."""
    n = schema.out_number

    def indicator(ind):
        return {
            "code": ind.code,
            "numbering": ind.numbering,
            "level": ind.level,
            "title": ind.title,
            "weight": n(ind.weight),
            "points": n(ind.points),
            "deduction_cap": n(ind.deduction_cap),
            "note": ind.note,
            "children": [indicator(c) for c in ind.child_list],
            "checkpoints": [
                {
                    "code": cp.code,
                    "text": cp.text,
                    "points": n(cp.points),
                    "weight": n(cp.weight),
                    "sampling": cp.sampling,
                    "hint": cp.hint,
                    "deduction_rules": cp.deduction_rules,
                    "bonus": cp.is_bonus,
                    "veto": cp.is_veto,
                }
                for cp in ind.checkpoint_list
            ],
        }

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
        "indicators": [indicator(root) for root in load_tree(framework)],
    }


def clean_to_portable(clean):
    """A validated dict in the exported form (numbers as int/float), for comparisons."""
    if isinstance(clean, dict):
        return {k: clean_to_portable(v) for k, v in clean.items() if not k.startswith("_")}
    if isinstance(clean, list):
        return [clean_to_portable(v) for v in clean]
    if isinstance(clean, Decimal):
        return schema.out_number(clean)
    return clean


def frameworks_for_listing(include_all_versions=False):
    qs = Framework.objects.alive() if include_all_versions else Framework.objects.latest_versions()
    return qs.select_related("unit_kind").annotate(checkpoint_count=Count("checkpoints")).order_by("-year", "code", "-version")


def get_framework(code, version=None):
    """The requested version, or the newest one; None if there is none."""
    qs = Framework.objects.alive().select_related("unit_kind").filter(code=code)
    if version is not None:
        return qs.filter(version=version).first()
    return qs.order_by("-version").first()


def publish(framework, *, user=None, request=None):
    if framework.is_published:
        raise FrameworkError(_("该版本已发布。"), code="already_published")
    framework.status = Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at"])
    record("framework_publish", actor=user, request=request, obj=framework, code=framework.code, version=framework.version)
    return framework


@transaction.atomic
def new_version(framework, *, user=None, request=None):
    """Copy a framework into a new draft version: the only way to change a published one."""
    data = to_dict(framework)
    latest = Framework.objects.filter(code=framework.code).aggregate(v=Max("version"))["v"]
    data["version"] = latest + 1
    data["status"] = Status.DRAFT
    return create_framework(data, user=user, request=request, source_name=_("复制自 v%(v)d") % {"v": framework.version})


def in_use(framework):
    """Whether any campaign uses this framework version (then it can't be deleted)."""
    return framework.campaign_uses.exists()


def delete(framework, *, user=None, request=None):
    if in_use(framework):
        raise FrameworkError(_("该指标体系已被评估任务使用，不能删除。"), code="in_use")
    framework.deleted_at = timezone.now()
    framework.save(update_fields=["deleted_at"])
    record("framework_delete", actor=user, request=request, obj=framework, code=framework.code, version=framework.version)
