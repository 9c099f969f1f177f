"""YAML import and export of frameworks (format documented in docs/frameworks-yaml.md)."""

import yaml
from django.utils.translation import gettext as _

from . import schema
from .services import FrameworkError


class _Dumper(yaml.SafeDumper):
    pass


_BREAKS = "\n\r\x85\u2028\u2029"


def _str_representer(dumper, value):
    """Multi-line texts as literal blocks a person can read and edit.

    PyYAML's fallback for a block it cannot write is a single-quoted scalar,
    which folds line breaks next to spaces on reading; such texts go double-quoted
    (with escapes) instead, so every text reads back exactly.
    """
    style = None
    if any(ch in value for ch in _BREAKS):
        lines = value.split("\n")
        clean = (
            not any(ch in value for ch in "\r\x85\u2028\u2029\t")
            and not value[:1].isspace()
            and all(line == line.rstrip(" ") for line in lines)
            and value.strip("\n")
        )
        style = "|" if clean else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)

_OMIT_WHEN_EMPTY = {"numbering", "weight", "points", "deduction_cap", "note", "children", "checkpoints",
                    "hint", "deduction_rules", "bonus", "veto", "description"}


def _compact(node):
    if isinstance(node, dict):
        return {
            k: _compact(v)
            for k, v in node.items()
            if not (k in _OMIT_WHEN_EMPTY and v in (None, "", [], False))
            and not (k == "sampling" and v == "material")
        }
    if isinstance(node, list):
        return [_compact(v) for v in node]
    return node


def dumps(data):
    body = {"format": schema.FORMAT, **_compact(data)}
    return yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=False)


def loads(text):
    """Parse YAML text into a framework dict (not yet validated)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = {"sheet": None, "row": mark.line + 1 if mark else None, "column": mark.column + 1 if mark else None,
                   "message": _("YAML 格式错误：%(e)s") % {"e": getattr(exc, "problem", None) or exc}}
        raise FrameworkError(_("文件不是有效的 YAML。"), problems=[problem]) from None
    if not isinstance(data, dict):
        raise FrameworkError(_("文件不是有效的指标体系。"), problems=[{"sheet": None, "row": None, "column": None, "message": _("YAML 顶层必须是一个映射。")}])
    fmt = data.pop("format", schema.FORMAT)
    if fmt != schema.FORMAT:
        raise FrameworkError(_("不支持的格式版本。"), problems=[{"sheet": None, "row": None, "column": None, "message": _("format 应为 %(f)s。") % {"f": schema.FORMAT}}])
    return data
