"""The framework's tree as typed, immutable values: indicators, their points, the points' deduction rules.

Built once, from the database (one query per table) or from the portable dict (an import, an export),
and traversed only through `Tree.walk` (pre-order, with depth and path) and `Tree.roll_up` (a fold from
the points up to the roots). Rendering, the unit checklist, receipts and, later, scores use these two,
so there is one idea of "the order of the points" and one of "what an indicator's subtree holds".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, Union

if TYPE_CHECKING:
    from .models import Framework

T = TypeVar("T")


def rule_key(point_code: str, index: int) -> str:
    """The stable identifier of a point's deduction rule: "C01#0" is rule 0 of point C01.

    A published framework never changes, so (point code, 0-based index) names a rule for good; a score
    refers to it by index within its point (the API of issue 10) or by this key across points.
    """
    return f"{point_code}#{index}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class DeductionRule:
    key: str
    index: int
    text: str
    points: Decimal | None


# eq=False: nodes compare and hash by identity, so a fold's results can be keyed by node in O(1)
# (a value hash would walk the whole subtree each time). Compare trees with `Tree.to_dict()`.
@dataclass(frozen=True, eq=False)
class PointNode:
    """An assessment point (考核点)."""

    code: str
    text: str
    points: Decimal | None = None
    weight: Decimal | None = None
    sampling: str = "material"
    hint: str = ""
    rules: tuple[DeductionRule, ...] = ()
    is_bonus: bool = False
    is_veto: bool = False
    pk: int | None = None  # the Checkpoint row, when built from the database


@dataclass(frozen=True, eq=False)
class IndicatorNode:
    code: str
    title: str
    level: int
    numbering: str = ""
    weight: Decimal | None = None
    points: Decimal | None = None
    deduction_cap: Decimal | None = None
    note: str = ""
    children: tuple[IndicatorNode, ...] = ()
    checkpoints: tuple[PointNode, ...] = ()
    pk: int | None = None


Node = Union[IndicatorNode, PointNode]


@dataclass(frozen=True)
class Step:
    """One node of a walk: `path` holds the indicators above it, root first; depth is len(path)."""

    node: Node
    path: tuple[IndicatorNode, ...]

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class Tree:
    roots: tuple[IndicatorNode, ...]
    _points: dict[str, PointNode] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._points.update({step.node.code: step.node for step in self.walk() if isinstance(step.node, PointNode)})

    # -- construction -------------------------------------------------------------------------------

    @classmethod
    def from_models(cls, framework: Framework) -> Tree:
        """Two queries: the indicators and the points, each in position order."""
        indicators = list(framework.indicators.order_by("position"))
        checkpoints = list(framework.checkpoints.order_by("position"))
        points_of: dict[int, list[PointNode]] = {}
        for cp in checkpoints:
            points_of.setdefault(cp.indicator_id, []).append(PointNode(
                code=cp.code, text=cp.text, points=cp.points, weight=cp.weight, sampling=cp.sampling, hint=cp.hint,
                rules=_rules(cp.code, cp.deduction_rules), is_bonus=cp.is_bonus, is_veto=cp.is_veto, pk=cp.pk,
            ))
        children_of: dict[int | None, list[Any]] = {}
        for ind in indicators:
            children_of.setdefault(ind.parent_id, []).append(ind)

        def build(ind: Any) -> IndicatorNode:
            return IndicatorNode(
                code=ind.code, title=ind.title, level=ind.level, numbering=ind.numbering, weight=ind.weight,
                points=ind.points, deduction_cap=ind.deduction_cap, note=ind.note, pk=ind.pk,
                children=tuple(build(c) for c in children_of.get(ind.pk, [])),
                checkpoints=tuple(points_of.get(ind.pk, [])),
            )

        return cls(roots=tuple(build(root) for root in children_of.get(None, [])))

    @classmethod
    def from_dict(cls, indicators: Sequence[Mapping[str, Any]]) -> Tree:
        """From the `indicators` list of a framework dict (validated, exported or parsed from a table)."""

        def point(cp: Mapping[str, Any]) -> PointNode:
            return PointNode(
                code=cp["code"], text=cp.get("text", ""), points=_decimal(cp.get("points")),
                weight=_decimal(cp.get("weight")), sampling=cp.get("sampling") or "material", hint=cp.get("hint") or "",
                rules=_rules(cp["code"], cp.get("deduction_rules") or []),
                is_bonus=bool(cp.get("bonus")), is_veto=bool(cp.get("veto")),
            )

        def indicator(node: Mapping[str, Any]) -> IndicatorNode:
            return IndicatorNode(
                code=node["code"], title=node.get("title", ""), level=node["level"], numbering=node.get("numbering") or "",
                weight=_decimal(node.get("weight")), points=_decimal(node.get("points")),
                deduction_cap=_decimal(node.get("deduction_cap")), note=node.get("note") or "",
                children=tuple(indicator(c) for c in node.get("children") or []),
                checkpoints=tuple(point(cp) for cp in node.get("checkpoints") or []),
            )

        return cls(roots=tuple(indicator(n) for n in indicators))

    # -- traversal ----------------------------------------------------------------------------------

    def walk(self) -> Iterator[Step]:
        """Every node in pre-order: an indicator, then its child indicators' subtrees, then its points."""
        stack: list[Step] = [Step(root, ()) for root in reversed(self.roots)]
        while stack:
            step = stack.pop()
            yield step
            node = step.node
            if isinstance(node, IndicatorNode):
                path = (*step.path, node)
                stack += [Step(cp, path) for cp in reversed(node.checkpoints)]
                stack += [Step(child, path) for child in reversed(node.children)]

    def roll_up(
        self,
        point: Callable[[PointNode], T],
        combine: Callable[[IndicatorNode, list[tuple[Node, T]]], T],
    ) -> dict[Node, T]:
        """A fold from the points to the roots: `point` gives each point's value, `combine` an indicator's
        from its children's (child indicators first, then its points, each paired with its node).
        Returns the value of every node, keyed by node."""
        values: dict[Node, T] = {}
        for step in reversed(list(self.walk())):  # reversed pre-order: every child before its parent
            node = step.node
            if isinstance(node, PointNode):
                values[node] = point(node)
            else:
                below: list[Node] = [*node.children, *node.checkpoints]
                values[node] = combine(node, [(child, values[child]) for child in below])
        return values

    # -- shortcuts ----------------------------------------------------------------------------------

    def indicators(self) -> Iterator[IndicatorNode]:
        for step in self.walk():
            if isinstance(step.node, IndicatorNode):
                yield step.node

    def points(self) -> list[PointNode]:
        """The points in walk order."""
        return list(self._points.values())

    def point(self, code: str) -> PointNode | None:
        return self._points.get(code)

    def rule(self, key: str) -> DeductionRule | None:
        code, _, index = key.rpartition("#")
        found = self.point(code)
        if found is None or not index.isdigit() or int(index) >= len(found.rules):
            return None
        return found.rules[int(index)]

    def to_dicts(self, number: Callable[[Decimal | None], Any], *, rule_ids: bool = False) -> list[dict[str, Any]]:
        """The `indicators` list of the portable dict; `number` renders a Decimal (schema.out_number)."""

        def point(cp: PointNode) -> dict[str, Any]:
            return {
                "code": cp.code, "text": cp.text, "points": number(cp.points), "weight": number(cp.weight),
                "sampling": cp.sampling, "hint": cp.hint,
                "deduction_rules": [
                    {**({"id": r.key} if rule_ids else {}), "text": r.text, "points": number(r.points)} for r in cp.rules
                ],
                "bonus": cp.is_bonus, "veto": cp.is_veto,
            }

        def combine(ind: IndicatorNode, below: list[tuple[Node, dict[str, Any]]]) -> dict[str, Any]:
            return {
                "code": ind.code, "numbering": ind.numbering, "level": ind.level, "title": ind.title,
                "weight": number(ind.weight), "points": number(ind.points), "deduction_cap": number(ind.deduction_cap),
                "note": ind.note,
                "children": [v for n, v in below if isinstance(n, IndicatorNode)],
                "checkpoints": [v for n, v in below if isinstance(n, PointNode)],
            }

        values = self.roll_up(point, combine)
        return [values[root] for root in self.roots]


def _rules(point_code: str, raw: Sequence[Mapping[str, Any]]) -> tuple[DeductionRule, ...]:
    return tuple(
        DeductionRule(key=rule_key(point_code, i), index=i, text=r.get("text", ""), points=_decimal(r.get("points")))
        for i, r in enumerate(raw)
    )
