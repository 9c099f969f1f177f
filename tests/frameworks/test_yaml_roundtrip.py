"""Property: any framework survives YAML export -> import -> export unchanged."""

import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinggu.frameworks import importing, services, yaml_io
from pinggu.frameworks.models import Framework
from pinggu.frameworks.schema import out_number

TEXT = st.text(
    # Control characters other than tab and line breaks are refused (Excel and Word cannot hold them).
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in (*range(9), 11, 12, *range(14, 32))] + ["\ufffe", "\uffff"]),
    min_size=1, max_size=40
).filter(lambda s: s.strip())
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
CJK = st.text(alphabet=st.sampled_from("政府信息公开主动依申请解读回应平台建设组织保障（）、,;。的是否"), min_size=1, max_size=60)
POINTS = st.one_of(st.none(), st.integers(0, 100000).map(lambda c: out_number(Decimal(c) / 100)))


def split_100(n, draw):
    raw = [draw(st.integers(1, 1000)) for _ in range(n)]
    cents = [10000 * r // sum(raw) for r in raw]
    cents[-1] += 10000 - sum(cents)
    return [out_number(Decimal(c) / 100) for c in cents]


@st.composite
def frameworks(draw):
    counters = {"ind": 0, "cp": 0}

    def checkpoints(n_weighted):
        n = draw(st.integers(1, 3))
        weights = split_100(n, draw) if n_weighted else [None] * n
        out = []
        for i in range(n):
            counters["cp"] += 1
            out.append({
                "code": f"K{counters['cp']}",
                "text": draw(st.one_of(CJK, TEXT)),
                "points": draw(POINTS),
                "weight": weights[i],
                "sampling": draw(st.sampled_from(["material", "website", "other"])),
                "hint": draw(OPTIONAL_TEXT),
                "deduction_rules": draw(st.lists(st.fixed_dictionaries({"text": TEXT, "points": POINTS}), max_size=2)),
                "bonus": draw(st.booleans()),
                "veto": draw(st.booleans()),
            })
        return out

    def indicators(level, depth):
        n = draw(st.integers(1, 3))
        weighted = draw(st.booleans())
        weights = split_100(n, draw) if weighted else [None] * n
        out = []
        for i in range(n):
            counters["ind"] += 1
            leaf = depth >= 2 or draw(st.booleans())
            node = {
                "code": f"I{counters['ind']}",
                "numbering": draw(st.sampled_from(["", "一、", "(二)", "（三）", "4."])),
                "level": level,
                "title": draw(st.one_of(CJK, TEXT)),
                "weight": weights[i],
                "points": draw(POINTS),
                "deduction_cap": draw(POINTS),
                "note": draw(OPTIONAL_TEXT),
                "children": [] if leaf else indicators(level + draw(st.integers(1, 2)), depth + 1),
            }
            node["checkpoints"] = checkpoints(draw(st.booleans())) if leaf else []
            out.append(node)
        return out

    mins = sorted(draw(st.lists(st.integers(0, 100), max_size=4, unique=True)), reverse=True)
    return {
        "code": "prop-" + draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)),
        "name": draw(TEXT).strip() or "x",
        "year": draw(st.integers(1990, 2100)),
        "unit_kind": draw(st.sampled_from(["county", "department", "institution"])),
        "version": draw(st.integers(1, 50)),
        "status": draw(st.sampled_from(["draft", "published"])),
        "scoring_mode": draw(st.sampled_from(["none", "points", "weights"])),
        "total_points": draw(st.integers(1, 1000)),
        "bonus_cap": draw(POINTS),
        "grade_bands": [{"name": draw(TEXT), "min": m} for m in mins],
        "levels": draw(st.lists(TEXT, max_size=5)),
        "description": draw(OPTIONAL_TEXT),
        "indicators": indicators(1, 0),
    }


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=frameworks())
def test_yaml_export_import_export_unchanged(data):
    Framework.objects.filter(code=data["code"]).delete()
    stored = services.create_framework(data)
    exported = services.to_dict(stored)
    assert exported == data  # what went in is what is stored
    first = yaml_io.dumps(exported)
    stored.delete()
    [read_back] = importing.read("roundtrip.yaml", io.BytesIO(first.encode("utf-8")), normalise=False, accept_points_mismatch=True)
    again = services.create_framework(read_back)
    second = yaml_io.dumps(services.to_dict(again))
    assert second == first
    again.delete()
