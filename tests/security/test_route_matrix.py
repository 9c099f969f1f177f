"""Issue 7, finding 7 as a class: every route, web and API, refuses every role it is not for.

The routes come from the URL configuration and the API's OpenAPI schema, so a new route that is
missing from ACCESS below fails `test_every_route_is_in_the_matrix`. For each route, every role not
listed as allowed must be refused (401/403/404, or sent to the login page) and change nothing; and
(issue 9 §5) every role listed as allowed must get through: the matrix and the permission layer agree.
"""

import json
import re

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver

from pinggu.accounts.models import AuditEvent, Role
from pinggu.api import api
from pinggu.campaigns.models import EvaluatorAssignment
from pinggu.evidence import resumable, services
from pinggu.evidence.models import Evidence, Response
from pinggu.exports.models import ExportJob
from pinggu.oversight import reminders
from pinggu.reviews.models import Objection

from ..conftest import PDF, make_user, upload_file

pytestmark = pytest.mark.django_db

ALL = {"org", "eva", "eva_b", "boss", "sub_a", "sub_b"}
STAFF_READ = {"org", "eva", "eva_b", "boss"}  # frameworks, dashboards
EXPORT = {"org", "eva", "eva_b"}
UNIT_A_READ = {"org", "eva", "boss", "sub_a"}  # eva is assigned to unit A, eva_b to unit B
UNIT_A_WRITE = {"org", "sub_a"}
UNIT_A_RECEIPT = {"org", "eva", "sub_a"}  # the unit, the organizer and its evaluators; not a viewer
ORG = {"org"}
PUBLIC = "public"

# (method, route) -> roles allowed. Web routes as in the URL configuration, API routes as in the schema.
ACCESS = {
    ("GET", ""): ALL,
    ("GET", "accounts/login/"): PUBLIC,
    ("GET", "favicon.ico"): PUBLIC,
    ("GET", "healthz"): PUBLIC,  # for the load balancer: no login, and nothing sensitive in the answer
    ("POST", "accounts/logout/"): PUBLIC,
    ("GET", "accounts/password/"): ALL,
    ("GET", "accounts/tokens/"): ALL,
    ("GET", "accounts/users/"): ORG,
    ("POST", "accounts/users/new/"): ORG,
    ("POST", "accounts/users/<str:username>/<str:action>/"): ORG,
    ("GET", "accounts/audit/"): ORG,
    ("GET", "accounts/audit/export.<str:fmt>"): ORG,
    ("GET", "frameworks/"): STAFF_READ,
    ("POST", "frameworks/import/"): ORG,
    ("POST", "frameworks/import/confirm/"): ORG,
    ("GET", "frameworks/<slug:code>/"): STAFF_READ,
    ("GET", "frameworks/<slug:code>/export.<str:fmt>"): STAFF_READ,
    ("POST", "frameworks/<slug:code>/<str:action>/"): ORG,
    ("GET", "campaigns/"): ALL,
    ("POST", "campaigns/new/"): ORG,
    ("GET", "campaigns/<int:pk>/"): ALL,
    ("POST", "campaigns/<int:pk>/edit/"): ORG,
    ("GET", "campaigns/<int:pk>/progress/"): STAFF_READ,
    ("GET", "campaigns/<int:pk>/matrix/"): STAFF_READ,
    ("POST", "campaigns/<int:pk>/remind/"): ORG,
    ("GET", "campaigns/<int:pk>/reminders/<int:batch>/"): ORG,
    ("POST", "campaigns/<int:pk>/reminders/<int:batch>/retry/"): ORG,
    ("POST", "campaigns/<int:pk>/enroll/"): ORG,
    ("POST", "campaigns/<int:pk>/state/"): ORG,
    ("POST", "campaigns/<int:pk>/accounts/"): ORG,
    ("POST", "campaigns/<int:pk>/evaluators/"): ORG,
    ("GET", "campaigns/<int:pk>/notice/"): ALL,
    ("GET", "campaigns/<int:pk>/notice/<slug:kind>.<str:fmt>"): ALL,
    ("GET", "campaigns/<int:pk>/deleted/"): ORG,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/reopen/"): ORG,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/extension/"): ORG,
    ("GET", "campaigns/units/"): {"org", "boss"},
    ("POST", "campaigns/units/new/"): ORG,
    ("POST", "campaigns/units/import/"): ORG,
    ("GET", "campaigns/units/export.xlsx"): {"org", "boss"},
    ("POST", "campaigns/units/<slug:code>/"): ORG,
    ("GET", "campaigns/<int:pk>/units/<slug:unit>/"): UNIT_A_READ,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/submit/"): UNIT_A_WRITE,
    ("GET", "campaigns/<int:pk>/units/<slug:unit>/receipt/"): UNIT_A_RECEIPT,
    ("GET", "campaigns/<int:pk>/units/<slug:unit>/receipt.docx"): UNIT_A_RECEIPT,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/reminders/read/"): UNIT_A_READ,  # a no-op but for the unit itself
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/upload/"): UNIT_A_WRITE,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/link/"): UNIT_A_WRITE,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/response/"): UNIT_A_WRITE,
    ("GET", "evidence/<int:evidence_id>/download/"): UNIT_A_READ,
    ("GET", "evidence/<int:evidence_id>/preview/"): UNIT_A_READ,
    ("GET", "evidence/<int:evidence_id>/inline/"): UNIT_A_READ,
    ("POST", "evidence/<int:evidence_id>/delete/"): UNIT_A_WRITE,
    ("POST", "evidence/<int:evidence_id>/restore/"): ORG,
    ("GET", "campaigns/<int:pk>/export/"): EXPORT,
    ("POST", "campaigns/<int:pk>/export/build/"): ORG,  # a heavy job for the server: the organizer starts it
    ("GET", "campaigns/<int:pk>/export/progress.xlsx"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/evidence.zip"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/notice.docx"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/scores.xlsx"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/reports.zip"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/summary.docx"): EXPORT,
    # The results rule: the unit itself too, once the results are published (the scene has none: 404 before).
    ("GET", "campaigns/<int:pk>/units/<slug:unit>/report.docx"): {"org", "eva", "boss"},
    # Background result exports: a job is its requester's (or an organizer's); the matrix gives each role its own.
    ("POST", "campaigns/<int:pk>/export/jobs/"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/jobs/<int:job>/"): EXPORT,
    ("GET", "campaigns/<int:pk>/export/jobs/<int:job>/file"): EXPORT,
    ("GET", "reviews/"): EXPORT,
    ("POST", "reviews/phrases/"): EXPORT,
    ("GET", "campaigns/<int:pk>/reviews/"): EXPORT,
    ("GET", "campaigns/<int:pk>/reviews/<slug:unit>/"): {"org", "eva"},
    ("POST", "campaigns/<int:pk>/reviews/<slug:unit>/points/<str:code>/"): {"org", "eva"},
    ("POST", "campaigns/<int:pk>/reviews/<slug:unit>/returns/"): {"org", "eva"},
    ("POST", "i18n/setlang/"): PUBLIC,
    # --- API ---
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/password"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): ALL,
    ("GET", "/api/v1/frameworks"): STAFF_READ,
    ("POST", "/api/v1/frameworks/import"): ORG,
    ("GET", "/api/v1/frameworks/{code}"): STAFF_READ,
    ("GET", "/api/v1/units"): {"org", "boss"},
    ("POST", "/api/v1/units"): ORG,
    ("POST", "/api/v1/users"): ORG,
    ("GET", "/api/v1/campaigns"): ALL,
    ("POST", "/api/v1/campaigns"): ORG,
    ("GET", "/api/v1/campaigns/{campaign_id}"): ALL,
    ("PATCH", "/api/v1/campaigns/{campaign_id}"): ORG,
    ("POST", "/api/v1/campaigns/{campaign_id}/enrollments"): ORG,
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/reopen"): ORG,
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/extension"): ORG,
    ("GET", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checklist"): UNIT_A_READ,
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/evidence"): UNIT_A_WRITE,
    ("PUT", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/response"): UNIT_A_WRITE,
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/submit"): UNIT_A_WRITE,
    ("GET", "/api/v1/campaigns/{campaign_id}/progress"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/export/progress.xlsx"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/export/evidence.zip"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/export/notice.docx"): EXPORT,
    ("POST", "/api/v1/campaigns/{campaign_id}/reminders"): ORG,
    ("GET", "/api/v1/campaigns/{campaign_id}/reminders/{batch_id}"): ORG,
    ("GET", "/api/v1/evidence/{evidence_id}/download"): UNIT_A_READ,
    ("DELETE", "/api/v1/evidence/{evidence_id}"): UNIT_A_WRITE,
    ("POST", "/api/v1/evidence/{evidence_id}/restore"): ORG,
    ("GET", "/api/v1/audit"): ORG,
    # Issue 11 §2: resumable (tus) uploads. Creation as the plain upload; an upload itself only for whoever created it.
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/uploads"): UNIT_A_WRITE,
    ("OPTIONS", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/uploads"): PUBLIC,
    ("HEAD", "/api/v1/uploads/{upload_id}"): {"sub_a"},
    ("PATCH", "/api/v1/uploads/{upload_id}"): {"sub_a"},
    ("DELETE", "/api/v1/uploads/{upload_id}"): {"sub_a"},
    ("OPTIONS", "/api/v1/uploads/{upload_id}"): PUBLIC,
    ("POST", "/api/v1/campaigns/{campaign_id}/evaluators"): ORG,
    ("GET", "/api/v1/campaigns/{campaign_id}/reviews"): EXPORT,
    ("PUT", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/review"): {"org", "eva"},
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/returns"): {"org", "eva"},
    ("GET", "/api/v1/campaigns/{campaign_id}/scores"): STAFF_READ,
    ("POST", "/api/v1/campaigns/{campaign_id}/publish"): ORG,
    # The unit itself too, but only once the results are published (the scene has none: 404 before).
    ("GET", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/results"): {"org", "eva", "boss"},
    # Issue 10 §5: objections and rectification by the unit itself (after publication), answers by its evaluator.
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/objections"): {"sub_a"},
    ("POST", "/api/v1/objections/{objection_id}/answer"): {"org", "eva"},
    ("PUT", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/rectification"): UNIT_A_WRITE,
    ("GET", "/api/v1/campaigns/{campaign_id}/rectification"): STAFF_READ,
    ("POST", "/api/v1/campaigns/{campaign_id}/copy"): ORG,
    ("GET", "campaigns/<int:pk>/results/"): STAFF_READ,
    ("POST", "campaigns/<int:pk>/results/<str:action>/"): ORG,
    ("POST", "campaigns/<int:pk>/objections/<int:objection>/answer/"): {"org", "eva"},  # the unit's evaluators
    ("GET", "campaigns/<int:pk>/rectification/"): STAFF_READ,
    ("POST", "campaigns/<int:pk>/rectification/remind/"): ORG,
    # The unit itself sees "尚未发布" before publication, its results after.
    ("GET", "campaigns/<int:pk>/units/<slug:unit>/results/"): UNIT_A_READ,
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/objection/"): {"sub_a"},
    ("POST", "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/rectification/"): {"sub_a"},
    ("GET", "/api/v1/campaigns/{campaign_id}/export/scores.xlsx"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/export/reports.zip"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/export/summary.docx"): EXPORT,
    ("GET", "/api/v1/campaigns/{campaign_id}/units/{unit_code}/report.docx"): {"org", "eva", "boss"},
    ("POST", "/api/v1/campaigns/{campaign_id}/export/jobs"): EXPORT,
    ("GET", "/api/v1/export/jobs/{job_id}"): EXPORT,
    ("GET", "/api/v1/export/jobs/{job_id}/file"): EXPORT,
}
# Bodies that would be accepted from an allowed role, so a refusal is about the role, not the body.
BODIES = {
    "/api/v1/frameworks/import": None,
    "/api/v1/units": {"name": "新单位", "kind": "county", "code": "new-unit"},
    "/api/v1/users": {"username": "newbie", "role": "viewer"},
    "/api/v1/campaigns": {"title": "x", "year": 2021, "opens_at": "2021-01-01T00:00:00+08:00",
                          "deadline": "2021-02-01T00:00:00+08:00"},
    "/api/v1/campaigns/{campaign_id}": {"title": "改名"},
    "/api/v1/campaigns/{campaign_id}/enrollments": {"unit_codes": ["unit-b"]},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/reopen": {"reason": "补充"},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/extension": {"deadline": "2099-01-01T17:00:00+08:00", "reason": "x"},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/evidence": {"url": "https://example.org/x"},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/response": {"status": "not_applicable", "note": "x"},
    "/api/v1/campaigns/{campaign_id}/reminders": {"unit_codes": ["unit-a"], "message": "请报送"},
    "/api/v1/campaigns/{campaign_id}/evaluators": {"username": "eva-b", "unit_codes": ["unit-a"]},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/review": {"verdict": "pass"},
    "/api/v1/campaigns/{campaign_id}/publish": {"publish_ranking": True, "force": True},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/objections": {"reason": "不服"},
    "/api/v1/objections/{objection_id}/answer": {"decision": "rejected", "reply": "维持"},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/rectification": {"measures": "x", "done": True},
    "/api/v1/campaigns/{campaign_id}/copy": {"title": "x", "year": 2021, "opens_at": "2021-01-01T00:00:00+08:00",
                                            "deadline": "2021-02-01T00:00:00+08:00"},
    "campaigns/<int:pk>/objections/<int:objection>/answer/": {"decision": "rejected", "reply": "维持"},
    "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/objection/": {"reason": "不服"},
    "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/rectification/": {"measures": "x", "done": "1"},
    "/api/v1/campaigns/{campaign_id}/units/{unit_code}/returns": {"checkpoints": ["C01"], "reason": "补充",
                                                                   "due": "2099-01-01T17:00:00+08:00"},
    "campaigns/units/<slug:code>/": {"name": "改名县", "kind": "county"},
    "accounts/users/new/": {"username": "newbie", "role": "viewer"},
    "campaigns/<int:pk>/state/": {"state": "closed"},
    "campaigns/<int:pk>/enroll/": {"units": ["unit-b"]},
    "campaigns/<int:pk>/evaluators/": {"evaluator": "eva-b", "unit": "unit-b"},
    "campaigns/<int:pk>/units/<slug:unit>/reopen/": {"reason": "补充"},
    "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/link/": {"url": "https://example.org/x"},
    "campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/response/": {"status": "not_applicable", "note": "x"},
    "reviews/phrases/": {"text": "材料不全"},
    "campaigns/<int:pk>/reviews/<slug:unit>/points/<str:code>/": {"verdict": "pass"},
    "campaigns/<int:pk>/reviews/<slug:unit>/returns/": {"checkpoints": ["C01"], "reason": "补充", "due": "2099-01-01T17:00"},
    "campaigns/<int:pk>/remind/": {"filter": "manual", "units": ["unit-a"], "message": "请报送"},
    "/api/v1/campaigns/{campaign_id}/export/jobs": {"kind": "summary_docx"},
    "campaigns/<int:pk>/export/jobs/": {"kind": "summary_docx"},
}


def web_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if not str(p.pattern).startswith("api/"):
                    yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return set(walk(get_resolver().url_patterns))


def api_routes():
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_route_is_in_the_matrix():
    known_web = {route for _, route in ACCESS if not route.startswith("/api/")}
    assert web_routes() - known_web == set(), "add these web routes to ACCESS"
    assert api_routes() - set(ACCESS) == set(), "add these API operations to ACCESS"
    assert {k for k in ACCESS if k[1].startswith("/api/")} - api_routes() == set(), "ACCESS names API operations that are gone"
    assert known_web - web_routes() == set(), "ACCESS names web routes that are gone"


@pytest.fixture
def scene(world):
    evidence, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲县制度.pdf", PDF), user=world.sub_a)
    eva_b = make_user("eva-b", role=Role.EVALUATOR)
    EvaluatorAssignment.objects.create(campaign=world.campaign, user=eva_b, unit=world.b)
    batch = reminders.create_batch(world.campaign, message="请报送", unit_codes=["unit-a"], user=world.organizer)
    # The organizer's export job: no other role reads it (an evaluator's own jobs are made in the test letting it through).
    job = ExportJob.objects.create(campaign=world.campaign, kind="summary_docx", requested_by=world.organizer)
    upload = resumable.create(world.enrollment(world.a), "C01", user=world.sub_a, length=len(PDF), metadata={"filename": "续传.pdf"})
    users = {"org": world.organizer, "eva": world.evaluator, "eva_b": eva_b, "boss": world.viewer,
             "sub_a": world.sub_a, "sub_b": world.sub_b}
    values = {"pk": world.campaign.pk, "campaign_id": world.campaign.pk, "unit": "unit-a", "unit_code": "unit-a",
              "checkpoint_code": "C01", "evidence_id": evidence.pk, "batch": batch.pk, "batch_id": batch.pk,
              "username": "sub-b", "action": "disable", "kind": "county", "fmt": "xlsx",
              "objection": 1, "objection_id": 1, "job": job.pk, "job_id": job.pk, "upload_id": upload.pk}
    return world, users, values


def fill(route, values):
    if route.startswith(("frameworks/<slug:code>", "/api/v1/frameworks/{code}")):
        values = {**values, "code": "yulin-2020-county", "fmt": "yaml", "action": "delete"}
    elif route.startswith("campaigns/units/<slug:code>"):
        values = {**values, "code": "unit-a"}
    elif "/results/<str:action>" in route:
        values = {**values, "action": "lock"}
    else:
        values = {**values, "code": "C01"}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    return path if path.startswith("/") else "/" + path


def state():
    return (list(Evidence.objects.order_by("id").values_list("id", "deleted_at")),
            list(Response.objects.order_by("id").values_list("status", "note")),
            AuditEvent.objects.exclude(action__in=["download", "login", "logout", "api_token", "export"]).count())


def refused(response, api_route):
    if response.status_code in (401, 403, 404):
        return True
    if not api_route and response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return True
    # Workspace cells answer a refusal inside the cell, with the reason, so the page stays usable.
    if response.streaming or response.status_code not in (200, 400):
        return False
    return "没有权限" in response.content.decode(errors="ignore")


def call(client, method, route, path):
    body = BODIES.get(route)
    if route == "/api/v1/frameworks/import":
        return client.post(path, {"file": upload_file("清单.yaml", b"code: x\nname: x\n")})
    if route.startswith("/api/"):
        return client.generic(method, path, json.dumps(body) if body is not None else "", content_type="application/json")
    if route.endswith("/upload/"):
        return client.post(path, {"file": upload_file("乙.pdf", PDF)})
    if method == "GET":
        return client.get(path)
    return client.post(path, body or {})


@pytest.mark.parametrize("role", ["anon", "eva", "eva_b", "boss", "sub_a", "sub_b"])
def test_every_route_refuses_every_role_it_is_not_for(client, scene, role):
    world, users, values = scene
    if role != "anon":
        client.force_login(users[role])
    failures = []
    for (method, route), allowed in ACCESS.items():
        if allowed == PUBLIC or role in allowed:
            continue
        is_api = route.startswith("/api/")
        path = fill(route, values)
        before = state()
        response = call(client, method, route, path)
        if not refused(response, is_api) or state() != before:
            failures.append(f"{role} {method} {path} -> {response.status_code}")
    print("\n".join(failures))
    assert failures == []


@pytest.mark.parametrize("role", ["org", "eva", "eva_b", "boss", "sub_a", "sub_b"])
def test_every_route_lets_every_role_it_is_for_through(client, scene, role):
    """A route the matrix allows is not refused for lack of permission (a business rule may still say no)."""
    world, users, values = scene
    client.force_login(users[role])
    failures = []
    for (method, route), allowed in ACCESS.items():
        if allowed == PUBLIC or role not in allowed or route == "accounts/logout/":
            continue
        path = fill(route, values)
        # Each call on the same scene: what one route changes (a deleted file) must not refuse the next.
        with transaction.atomic():
            if "receipt" in route:  # a receipt exists once the unit has submitted
                services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
            if "objection" in route and "answer" in route:  # an objection of unit A to answer (the rules may still say no)
                objection = Objection.objects.create(enrollment=world.enrollment(world.a), reason="不服", created_by=world.sub_a,
                                                     checkpoint=world.enrollment(world.a).framework.checkpoints.first())
                path = fill(route, {**values, "objection": objection.pk, "objection_id": objection.pk})
            if "jobs/<int:job>" in route or "jobs/{job_id}" in route:  # the role's own job (still queued: the file answers 409)
                job = ExportJob.objects.create(campaign=world.campaign, kind="summary_docx", requested_by=users[role])
                path = fill(route, {**values, "job": job.pk, "job_id": job.pk})
            response = call(client, method, route, path)
            transaction.set_rollback(True)
        if refused(response, route.startswith("/api/")):
            failures.append(f"{role} {method} {path} -> {response.status_code}")
    print("\n".join(failures))
    assert failures == []
