"""Issue 9 §1: a point's status changes only through change_response_status, which reads RESPONSE_TRANSITIONS."""

import ast
import json
from pathlib import Path

import pytest

import pinggu
from pinggu.accounts.models import AuditEvent
from pinggu.evidence import services
from pinggu.evidence.models import Response, ResponseStatus
from pinggu.evidence.services import RESPONSE_TRANSITIONS, EvidenceError, change_response_status
from pinggu.evidence.signals import response_status_changed

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


def point(world, code, unit=None):
    return Response.objects.get(enrollment=world.enrollment(unit or world.a), checkpoint__code=code)


def returned(world, code="C01"):
    """A point with a file, then returned for supplement by the organizer."""
    evidence, _ = services.add_file(world.enrollment(world.a), code, upload_file(f"{code}.pdf", PDF), user=world.sub_a)
    change_response_status(point(world, code), ResponseStatus.RETURNED, user=world.organizer, reason="材料不全")
    return evidence


def test_every_status_is_in_the_table():
    assert set(RESPONSE_TRANSITIONS) == set(ResponseStatus.values)
    assert all(to in ResponseStatus.values for targets in RESPONSE_TRANSITIONS.values() for to in targets)


def test_first_upload_and_last_delete_change_status_with_audit_and_signal(world):
    heard = []

    def listen(sender, response, before, after, **kwargs):
        heard.append((response.checkpoint.code, before, after))

    response_status_changed.connect(listen)
    try:
        enrollment = world.enrollment(world.a)
        first, _ = services.add_file(enrollment, "C01", upload_file("一.pdf", PDF), user=world.sub_a)
        second, _ = services.add_file(enrollment, "C01", upload_file("二.pdf", PDF + b"2"), user=world.sub_a)
        services.delete(first, user=world.sub_a)
        assert point(world, "C01").status == "done"
        services.delete(second, user=world.sub_a)
        assert point(world, "C01").status == "empty"
        services.restore(second, user=world.organizer)
        assert point(world, "C01").status == "done"
    finally:
        response_status_changed.disconnect(listen)
    assert heard == [("C01", "empty", "done"), ("C01", "done", "empty"), ("C01", "empty", "done")]
    events = AuditEvent.objects.filter(action="point_status").order_by("id")
    assert [(e.details["before_status"], e.details["status"]) for e in events] == [
        ("empty", "done"), ("done", "empty"), ("empty", "done")]


def test_returned_point_is_answered_only_by_a_new_answer(world):
    evidence = returned(world)
    enrollment = world.enrollment(world.a)
    event = AuditEvent.objects.filter(action="point_status").latest("id")
    assert (event.details["status"], event.details["reason"], event.actor) == ("returned", "材料不全", world.organizer)
    services.delete(evidence, user=world.sub_a)
    assert point(world, "C01").status == "returned"  # deleting is no supplement
    services.restore(evidence, user=world.organizer)
    assert point(world, "C01").status == "returned"  # nor is the organizer's restore
    # The unit saving the point (a 说明, even empty, beside the restored file) is its answer.
    services.set_response(enrollment, "C01", status="empty", note="", user=world.sub_a)
    assert point(world, "C01").status == "done"


def test_returned_point_answers(world):
    enrollment = world.enrollment(world.a)
    evidence = returned(world, "C01")
    services.delete(evidence, user=world.sub_a)
    services.set_response(enrollment, "C01", status="empty", note="", user=world.sub_a)
    assert point(world, "C01").status == "returned"  # without any material it stays returned, not 未填报
    with pytest.raises(EvidenceError) as refused:
        services.set_response(enrollment, "C01", status="done", note="", user=world.sub_a)
    assert refused.value.code == "nothing_to_submit"
    services.add_link(enrollment, "C01", "https://www.example.gov.cn/zwgk/", user=world.sub_a)
    assert point(world, "C01").status == "done"
    returned(world, "C02")
    services.set_response(enrollment, "C02", status="done", note="已补充说明。", user=world.sub_a)
    assert point(world, "C02").status == "done"
    returned(world, "C03")
    services.set_response(enrollment, "C03", status="not_applicable", note="不涉及。", user=world.sub_a)
    assert point(world, "C03").status == "not_applicable"


def test_transition_outside_the_table_is_refused(world):
    returned(world)
    response = point(world, "C01")
    with pytest.raises(EvidenceError) as refused:
        change_response_status(response, ResponseStatus.EMPTY, user=world.organizer)
    assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
    assert point(world, "C01").status == "returned"


def test_returned_points_refuse_submit_until_answered_via_api(client, world):
    services.set_response(world.enrollment(world.a), "C02", status="done", note="x", user=world.sub_a)
    returned(world, "C01")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    body = client.post(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/submit", **auth).json()
    assert body["error"] == "incomplete_submission" and "C01" in body["empty_points"] and "C02" not in body["empty_points"]
    put = client.put(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/response",
                     json.dumps({"status": "done", "note": "已补充"}), content_type="application/json", **auth)
    assert put.status_code == 200 and put.json()["status"] == "done"


# --- Only the transition functions write a state ------------------------------------------------

# (file, function) allowed to assign `.status` / `.state`, and why.
ALLOWED = {
    ("evidence/services.py", "change_response_status"): "the one writer of Response.status",
    ("campaigns/services.py", "change_enrollment_state"): "the one writer of Enrollment.state",
    ("campaigns/services.py", "change_state"): "the one writer of Campaign.state",
    ("evidence/services.py", "attach"): "the checklist's display copy on a Checkpoint, not a Response",
    ("errors.py", "__init__"): "an error's HTTP status",
    ("oversight/reminders.py", "deliver"): "a reminder mail's delivery status (a job, not a domain state)",
    ("oversight/reminders.py", "retry_failed"): "the same, queued again",
    ("exports/prebuilt.py", "request_build"): "a prebuilt bundle's build status (a job)",
    ("exports/prebuilt.py", "build"): "the same",
    ("exports/jobs.py", "run"): "a result export's build state (a job: claimed, ready, failed)",
    ("frameworks/services.py", "publish"): "a framework's publication status",
    ("reviews/objections.py", "answer_objection"): "the one writer of Objection.state (pending → upheld | rejected)",
}


def writes(tree):
    """(function, line) of every `x.status = …`, `x.state = …`, `.update(status=…/state=…)` in a module."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            targets = child.targets if isinstance(child, ast.Assign) else [child.target] if isinstance(child, ast.AugAssign) else []
            for target in targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(t, ast.Attribute) and t.attr in ("status", "state"):
                        found.append((name, child.lineno))
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "update"
                    and any(k.arg in ("status", "state") for k in child.keywords)):
                found.append((name, child.lineno))
            visit(child, name)

    visit(tree, None)
    return found


def test_no_state_is_written_outside_its_transition_function():
    root = Path(pinggu.__file__).parent
    stray = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        for function, line in writes(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, function) not in ALLOWED:
                stray.append(f"{rel}:{line} in {function}")
    assert stray == []
