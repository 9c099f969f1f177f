"""The one shape a framework has outside the database.

YAML, JSON, the API and the Excel importer all produce or consume this dict;
`validate` is the single gate every import goes through, so a file is either
accepted whole or refused with every problem listed.

    {code, name, year, unit_kind, version, status, scoring_mode, total_points, bonus_cap,
     grade_bands: [{name, min}], levels: [str], description,
     indicators: [{code, numbering, level, title, weight, points, deduction_cap, note,
                   children: [...],
                   checkpoints: [{code, text, points, weight, sampling, hint,
                                  deduction_rules: [{text, points}], bonus, veto}]}]}

Nodes built by the Excel importer carry a private "_loc" ({sheet, row, columns})
so problems can be reported by sheet, row and column.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import Sampling, ScoringMode, Status

FORMAT = "pinggu-framework/1"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
FRAMEWORK_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
CN_DIGITS = "一二三四五六七八九十"
DEFAULT_GRADE_BANDS = [
    {"name": "优秀", "min": 90},
    {"name": "良好", "min": 80},
    {"name": "合格", "min": 60},
    {"name": "不合格", "min": 0},
]


def level_name(level, names=None):
    if names and 0 < level <= len(names):
        return names[level - 1]
    if level <= 10:
        return f"{CN_DIGITS[level - 1]}级指标"
    return f"{level}级指标"


def parse_number(value):
    """Decimal from 40, 40.5, '40', '40%', '10分'; None for blank; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace("％", "%")
    text = re.sub(r"\s*(%|分)$", "", text)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def out_number(value):
    """The exported form of a stored number: an int when whole, else a float."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


class Problems(list):
    """Collected import problems, each {sheet, row, column, message} (+ path for YAML/JSON)."""

    def add(self, message, node=None, field=None, path=None):
        loc = (node or {}).get("_loc") or {}
        self.append(
            {
                "sheet": loc.get("sheet"),
                "row": loc.get("row"),
                "column": (loc.get("columns") or {}).get(field) if field else loc.get("column"),
                "message": str(message),
                **({"path": path} if path and not loc else {}),
            }
        )


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(node, key, problems, path, required=False):
    value = node.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = str(value)
        else:
            problems.add(_("%(field)s 必须是文本。") % {"field": key}, node, key, f"{path}.{key}")
            return ""
    if _ILLEGAL.search(value):
        # Excel and Word (XML) cannot hold control characters: such a framework could never be exported.
        problems.add(_("%(field)s 含有非法字符（控制字符）。") % {"field": key}, node, key, f"{path}.{key}")
        value = _ILLEGAL.sub("", value)
    if required and not value.strip():
        problems.add(_("%(field)s 不能为空。") % {"field": key}, node, key, f"{path}.{key}")
    return value


def _number(node, key, problems, path, minimum=Decimal(0), maximum=None):
    try:
        value = parse_number(node.get(key))
    except ValueError:
        problems.add(
            _("“%(value)s”不是数字（%(field)s）。") % {"value": node.get(key), "field": _FIELD_LABELS.get(key, key)},
            node, key, f"{path}.{key}",
        )
        return None
    if value is None:
        return None
    if value < minimum or (maximum is not None and value > maximum):
        problems.add(
            _("%(field)s 超出范围：%(value)s。") % {"field": _FIELD_LABELS.get(key, key), "value": value},
            node, key, f"{path}.{key}",
        )
    if value != value.quantize(Decimal("0.01")):
        problems.add(_("%(field)s 最多保留两位小数。") % {"field": _FIELD_LABELS.get(key, key)}, node, key, f"{path}.{key}")
    return value


_FIELD_LABELS = {"weight": "权重", "points": "分值", "deduction_cap": "扣分上限", "min": "等次分数线"}


def _bool(node, key, problems, path):
    value = node.get(key, False)
    if value in (None, ""):
        return False
    if not isinstance(value, bool):
        problems.add(_("%(field)s 必须是 true 或 false。") % {"field": key}, node, key, f"{path}.{key}")
        return False
    return value


def validate(data, unit_kinds):
    """Check and normalise a framework dict. Returns (clean, problems).

    `unit_kinds` maps both codes and names of unit kinds to their codes.
    """
    problems = Problems()
    if not isinstance(data, dict):
        problems.add(_("文件内容不是一个指标体系。"))
        return None, problems
    clean = {}
    code = data.get("code")
    if not isinstance(code, str) or not FRAMEWORK_CODE_RE.match(code):
        problems.add(_("指标体系代码“%(code)s”无效：只能使用小写字母、数字和连字符，最长 60 个字符。") % {"code": code}, data, "code", "code")
    clean["code"] = code
    clean["name"] = _text(data, "name", problems, "", required=True).strip()
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
        problems.add(_("年度“%(year)s”无效。") % {"year": year}, data, "year", "year")
    clean["year"] = year
    kind = data.get("unit_kind")
    if kind not in unit_kinds:
        problems.add(
            _("适用单位类型“%(kind)s”不存在，可选：%(choices)s。") % {"kind": kind, "choices": "、".join(sorted(set(unit_kinds.values())))},
            data, "unit_kind", "unit_kind",
        )
    clean["unit_kind"] = unit_kinds.get(kind, kind)
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add(_("版本号必须是正整数。"), data, "version", "version")
        version = 1
    clean["version"] = version
    status = data.get("status", Status.DRAFT)
    if status not in Status.values:
        problems.add(_("状态“%(s)s”无效，可选 draft 或 published。") % {"s": status}, data, "status", "status")
    clean["status"] = status
    mode = data.get("scoring_mode", ScoringMode.NONE)
    if mode not in ScoringMode.values:
        problems.add(_("计分方式“%(m)s”无效，可选 none、points、weights。") % {"m": mode}, data, "scoring_mode", "scoring_mode")
    clean["scoring_mode"] = mode
    total = _number({"points": data.get("total_points", 100)}, "points", problems, "total_points")
    clean["total_points"] = total if total is not None else Decimal(100)
    clean["bonus_cap"] = _number({"points": data.get("bonus_cap")}, "points", problems, "bonus_cap")
    clean["grade_bands"] = _grade_bands(data.get("grade_bands", DEFAULT_GRADE_BANDS), problems)
    levels = data.get("levels") or []
    if not isinstance(levels, list) or not all(isinstance(x, str) and x.strip() for x in levels):
        problems.add(_("levels 必须是层级名称的列表。"), data, None, "levels")
        levels = []
    clean["levels"] = levels
    clean["description"] = _text(data, "description", problems, "")

    seen_indicator_codes, seen_checkpoint_codes = {}, {}
    state = {"checkpoints": 0}

    def walk_indicators(nodes, parent_level, path):
        result = []
        if not isinstance(nodes, list):
            problems.add(_("indicators/children 必须是列表。"), None, None, path)
            return result
        for i, node in enumerate(nodes):
            npath = f"{path}[{i}]"
            if not isinstance(node, dict):
                problems.add(_("指标格式错误。"), None, None, npath)
                continue
            item = {}
            icode = node.get("code")
            if not isinstance(icode, str) or not CODE_RE.match(icode):
                problems.add(_("指标编号“%(code)s”无效。") % {"code": icode}, node, "code", f"{npath}.code")
            elif icode in seen_indicator_codes:
                problems.add(_("指标编号“%(code)s”重复。") % {"code": icode}, node, "code", f"{npath}.code")
            seen_indicator_codes[icode] = True
            item["code"] = icode
            item["numbering"] = _text(node, "numbering", problems, npath)
            level = node.get("level", parent_level + 1)
            if not isinstance(level, int) or isinstance(level, bool) or level <= parent_level:
                problems.add(_("指标层级必须大于上级指标的层级。"), node, "title", f"{npath}.level")
                level = parent_level + 1
            item["level"] = level
            item["title"] = _text(node, "title", problems, npath, required=True)
            item["weight"] = _number(node, "weight", problems, npath, maximum=Decimal(100))
            item["points"] = _number(node, "points", problems, npath)
            item["deduction_cap"] = _number(node, "deduction_cap", problems, npath)
            item["note"] = _text(node, "note", problems, npath)
            item["children"] = walk_indicators(node.get("children") or [], level, f"{npath}.children")
            item["checkpoints"] = walk_checkpoints(node.get("checkpoints") or [], f"{npath}.checkpoints")
            if item["children"] and item["checkpoints"]:
                problems.add(
                    _("指标“%(t)s”既有下级指标又有考核点：考核点只能挂在最末级指标下。") % {"t": item["title"]},
                    node, "title", npath,
                )
            _check_weights(item["children"], node.get("children") or [], problems, npath, item["title"])
            _check_weights(item["checkpoints"], node.get("checkpoints") or [], problems, npath, item["title"])
            result.append(item)
        return result

    def walk_checkpoints(nodes, path):
        result = []
        if not isinstance(nodes, list):
            problems.add(_("checkpoints 必须是列表。"), None, None, path)
            return result
        for i, node in enumerate(nodes):
            npath = f"{path}[{i}]"
            if not isinstance(node, dict):
                problems.add(_("考核点格式错误。"), None, None, npath)
                continue
            state["checkpoints"] += 1
            item = {}
            ccode = node.get("code")
            if not isinstance(ccode, str) or not CODE_RE.match(ccode):
                problems.add(_("考核点编号“%(code)s”无效。") % {"code": ccode}, node, "code", f"{npath}.code")
            elif ccode in seen_checkpoint_codes:
                problems.add(_("考核点编号“%(code)s”重复。") % {"code": ccode}, node, "code", f"{npath}.code")
            seen_checkpoint_codes[ccode] = True
            item["code"] = ccode
            item["text"] = _text(node, "text", problems, npath, required=True)
            item["points"] = _number(node, "points", problems, npath)
            item["weight"] = _number(node, "weight", problems, npath, maximum=Decimal(100))
            sampling = node.get("sampling") or Sampling.MATERIAL
            if sampling not in Sampling.values:
                problems.add(_("采样方式“%(s)s”无效，可选：材料、网站检查、其他。") % {"s": sampling}, node, "sampling", f"{npath}.sampling")
            item["sampling"] = sampling
            item["hint"] = _text(node, "hint", problems, npath)
            rules = []
            raw_rules = node.get("deduction_rules") or []
            if not isinstance(raw_rules, list):
                problems.add(_("扣分规则必须是列表。"), node, "deduction_rules", f"{npath}.deduction_rules")
                raw_rules = []
            for j, rule in enumerate(raw_rules):
                rpath = f"{npath}.deduction_rules[{j}]"
                if not isinstance(rule, dict):
                    problems.add(_("扣分规则格式错误。"), node, "deduction_rules", rpath)
                    continue
                rule_loc = {**rule, "_loc": node.get("_loc")} if node.get("_loc") else rule
                rules.append(
                    {
                        "text": _text(rule_loc, "text", problems, rpath, required=True),
                        "points": _number(rule_loc, "points", problems, rpath),
                    }
                )
            item["deduction_rules"] = rules
            item["bonus"] = _bool(node, "bonus", problems, npath)
            item["veto"] = _bool(node, "veto", problems, npath)
            result.append(item)
        return result

    clean["indicators"] = walk_indicators(data.get("indicators") or [], 0, "indicators")
    _check_weights(clean["indicators"], data.get("indicators") or [], problems, "indicators", _("一级指标"))
    if not clean["indicators"]:
        problems.add(_("没有任何指标。"), data, None, "indicators")
    elif state["checkpoints"] == 0:
        problems.add(_("没有任何考核点。"), data, None, "indicators")
    return clean, problems


def _check_weights(items, raw_nodes, problems, path, parent_title):
    weighted = [item for item in items if item.get("weight") is not None]
    if not weighted:
        return
    first = raw_nodes[0] if raw_nodes and isinstance(raw_nodes[0], dict) else None
    if len(weighted) != len(items):
        problems.add(_("“%(t)s”的下级有的填了权重、有的没填：同级权重须全部填写。") % {"t": parent_title}, first, "weight", path)
        return
    total = sum(item["weight"] for item in weighted)
    if abs(total - Decimal(100)) > Decimal("0.01"):
        problems.add(
            _("“%(t)s”的下级权重合计为 %(sum)s%%，应为 100%%。") % {"t": parent_title, "sum": out_number(total)},
            first, "weight", path,
        )


def points_mismatches(data):
    """Where the points of a 分值制 framework do not add up, as problems to confirm (or refuse).

    "Adding up" means: the points of the top-level indicators make the total; an indicator's own points,
    where it has some, equal the points below it; an indicator without its own points counts what is
    below it. 加分项 (bonus points) are on top of the total and are left out; 单项否决 points count like
    any other. Levels without any points are not questioned. Call only on data that `validate` accepted.
    """
    problems = Problems()
    if data.get("scoring_mode") != ScoringMode.POINTS:
        return problems

    def number(value):
        try:
            return parse_number(value)
        except ValueError:
            return None

    def value(node):
        own = number(node.get("points"))
        below = [value(child) for child in node.get("children") or []]
        below += [number(cp.get("points")) for cp in node.get("checkpoints") or [] if not cp.get("bonus")]
        known = [v for v in below if v is not None]
        total = sum(known) if known else None
        if own is not None and total is not None and total != own:
            problems.add(
                _("“%(t)s”的分值为 %(own)s，下级分值合计为 %(sum)s（加分项不计入）。")
                % {"t": node.get("title"), "own": out_number(own), "sum": out_number(total)},
                node, "points", "points",
            )
        return own if own is not None else total

    roots = [value(node) for node in data.get("indicators") or []]
    total = sum(v for v in roots if v is not None)
    expected = number(data.get("total_points", 100))
    expected = Decimal(100) if expected is None else expected
    if total != expected:
        problems.add(
            _("分值合计为 %(sum)s，与总分 %(total)s 不一致（加分项不计入）。") % {"sum": out_number(total), "total": out_number(expected)},
            None, None, "total_points",
        )
    for problem in problems:
        problem["code"] = "points_mismatch"
    return problems


def _grade_bands(bands, problems):
    if bands in (None, ""):
        return []
    if not isinstance(bands, list):
        problems.add(_("grade_bands 必须是列表。"), None, None, "grade_bands")
        return []
    clean = []
    for i, band in enumerate(bands):
        path = f"grade_bands[{i}]"
        if not isinstance(band, dict) or not isinstance(band.get("name"), str) or not band["name"].strip():
            problems.add(_("等次必须有名称和分数线。"), None, None, path)
            continue
        minimum = _number(band, "min", problems, path)
        clean.append({"name": band["name"], "min": minimum if minimum is not None else Decimal(0)})
    mins = [b["min"] for b in clean]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        problems.add(_("等次分数线必须从高到低排列且互不相同。"), None, None, "grade_bands")
    return clean


def strip_private(node, *, portable=False):
    """Drop importer-only keys (like _loc) before saving or exporting; `portable` also gives numbers their
    exported form (out_number), for comparing a validated dict with an export."""
    if isinstance(node, dict):
        return {k: strip_private(v, portable=portable) for k, v in node.items() if not k.startswith("_")}
    if isinstance(node, list):
        return [strip_private(v, portable=portable) for v in node]
    if portable and isinstance(node, Decimal):
        return out_number(node)
    return node
