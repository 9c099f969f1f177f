"""The typed framework tree: built once (two queries), walked in one order, folded from the points up."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from pinggu.frameworks import services
from pinggu.frameworks.models import Checkpoint, Framework, Indicator
from pinggu.frameworks.schema import out_number
from pinggu.frameworks.tree import IndicatorNode, PointNode, Tree

from .test_yaml_roundtrip import frameworks


def small(**overrides):
    """一级 A (cap 5) > 二级 A1 [C01: 4 points, rules 2 and 3; C02: 6 points] and A2 [C03 bonus, C04 veto]."""
    data = {
        "code": "tree-small", "name": "小清单", "year": 2026, "unit_kind": "county", "scoring_mode": "points",
        "total_points": 10,
        "indicators": [{
            "code": "1", "level": 1, "title": "A", "deduction_cap": 5, "children": [
                {"code": "1.1", "level": 2, "title": "A1", "checkpoints": [
                    {"code": "C01", "text": "一", "points": 4, "deduction_rules": [{"text": "缺", "points": 2}, {"text": "错", "points": 3}]},
                    {"code": "C02", "text": "二", "points": 6},
                ]},
                {"code": "1.2", "level": 2, "title": "A2", "checkpoints": [
                    {"code": "C03", "text": "三", "points": 1, "bonus": True},
                    {"code": "C04", "text": "四", "veto": True},
                ]},
            ],
        }],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_built_with_one_query_per_table_and_nothing_bolted_on(django_assert_num_queries):
    framework = services.create_framework(small())
    with django_assert_num_queries(2):
        tree = services.load_tree(framework)
    assert [cp.code for cp in tree.points()] == list(framework.checkpoints.order_by("position").values_list("code", flat=True))
    assert [cp.pk for cp in tree.points()] == list(framework.checkpoints.order_by("position").values_list("pk", flat=True))
    with pytest.raises(AttributeError):
        tree.roots[0].title = "changed"  # frozen


@pytest.mark.django_db
def test_a_published_tree_is_read_once_per_process_a_draft_every_time(django_assert_num_queries):
    """Every upload redraws its point from the unit's checklist; a published version never changes."""
    draft = services.create_framework(small())
    with django_assert_num_queries(2):
        services.load_tree(draft)
    with django_assert_num_queries(2):
        services.load_tree(draft)  # a draft may still be edited
    published = services.publish(services.create_framework({**small(), "code": "tree-published"}))
    with django_assert_num_queries(2):
        first = services.load_tree(published)
    fresh = Framework.objects.get(pk=published.pk)  # as the next request reads it
    with django_assert_num_queries(0):
        again = services.load_tree(fresh)
    assert again is first


@pytest.mark.django_db
def test_walk_is_pre_order_with_depth_and_path():
    tree = services.load_tree(services.create_framework(small()))
    steps = [(s.node.code, s.depth, tuple(i.code for i in s.path)) for s in tree.walk()]
    assert steps == [
        ("1", 0, ()), ("1.1", 1, ("1",)), ("C01", 2, ("1", "1.1")), ("C02", 2, ("1", "1.1")),
        ("1.2", 1, ("1",)), ("C03", 2, ("1", "1.2")), ("C04", 2, ("1", "1.2")),
    ]
    # The order of the walk is the order the rows were stored in.
    assert [s.node.code for s in tree.walk() if isinstance(s.node, IndicatorNode)] == list(
        Indicator.objects.order_by("position").values_list("code", flat=True))


def test_roll_up_folds_points_into_indicators_with_their_caps():
    """Issue 10's loss: an indicator's loss is its subtree's, capped at its deduction_cap (by hand: C01 loses
    min(4, 2+3) = 4, C02 loses 6 -> A1 10; A2 0; A = min(5, 10) = 5)."""
    tree = Tree.from_dict(small()["indicators"])
    lost = {"C01": sum(r.points for r in tree.point("C01").rules), "C02": Decimal(6)}

    def point(cp):
        return min(cp.points or 0, lost.get(cp.code, 0))

    def combine(ind, below):
        total = sum((v for _n, v in below), Decimal(0))
        return total if ind.deduction_cap is None else min(total, ind.deduction_cap)

    loss = tree.roll_up(point, combine)
    by_code = {node.code: value for node, value in loss.items()}
    assert by_code == {"C01": 4, "C02": 6, "C03": 0, "C04": 0, "1.1": 10, "1.2": 0, "1": 5}
    # Children come paired with their nodes, child indicators and points alike, in order.
    seen = tree.roll_up(lambda cp: cp.code, lambda ind, below: "+".join(v for _n, v in below))
    assert seen[tree.roots[0]] == "C01+C02+C03+C04"


def test_rules_have_stable_keys_and_points_carry_flags():
    tree = Tree.from_dict(small()["indicators"])
    assert [(r.key, r.index, r.text, r.points) for r in tree.point("C01").rules] == [
        ("C01#0", 0, "缺", Decimal(2)), ("C01#1", 1, "错", Decimal(3))]
    assert tree.rule("C01#1").text == "错"
    assert tree.rule("C01#2") is None and tree.rule("C09#0") is None and tree.rule("C01") is None
    assert tree.point("C03").is_bonus and not tree.point("C03").is_veto
    assert tree.point("C04").is_veto and isinstance(tree.point("C04"), PointNode)


@pytest.mark.django_db
def test_api_and_json_export_name_each_rule(org_api):
    services.create_framework(small())
    body = org_api.get("/api/v1/frameworks/tree-small").json()
    rules = body["indicators"][0]["children"][0]["checkpoints"][0]["deduction_rules"]
    assert rules == [{"id": "C01#0", "text": "缺", "points": 2}, {"id": "C01#1", "text": "错", "points": 3}]
    # The YAML a person edits carries no ids; reading the API's JSON back ignores them.
    assert "id" not in services.to_dict(Framework.objects.get(code="tree-small"))["indicators"][0]["children"][0][
        "checkpoints"][0]["deduction_rules"][0]
    again = services.create_framework(body)
    assert list(Checkpoint.objects.filter(framework=again, code="C01").values_list("deduction_rules", flat=True)) == [
        [{"text": "缺", "points": 2}, {"text": "错", "points": 3}]]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=frameworks())
def test_the_tree_from_the_database_is_the_tree_from_the_dict(data):
    Framework.objects.filter(code=data["code"]).delete()
    stored = services.create_framework(data)
    from_models = services.load_tree(stored).to_dicts(out_number)
    assert from_models == Tree.from_dict(data["indicators"]).to_dicts(out_number) == data["indicators"]
    stored.delete()
