"""Issue 8, point 17: every page renders in both languages, and in English shows no Chinese interface text.

The pages come from the URL configuration (as in tests/security/test_route_matrix.py), so a page added
later is checked without editing this file. Each is fetched with GET by every role ACCESS allows, with
ids from a world whose user data is ASCII only, so any Chinese left in an English page is interface text.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from pinggu.accounts.models import Role
from pinggu.campaigns import services as cs
from pinggu.campaigns.models import EvaluatorAssignment
from pinggu.evidence import services as es
from pinggu.exports import jobs
from pinggu.frameworks import services as fs
from pinggu.oversight import reminders
from pinggu.site import demo

from ..conftest import PDF, make_user, upload_file
from ..security.test_route_matrix import ACCESS, PUBLIC, web_routes

pytestmark = pytest.mark.django_db

# Han ideographs, CJK punctuation (，。、「」) and full-width forms (（），：).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
ROLES = ["org", "eva", "boss", "sub_a"]  # eva_b and sub_b see what eva and sub_a see, for another unit
# Attributes a person reads (tooltips, screen readers, confirm dialogs, placeholders; data-say-* are
# messages scripts show).
READ_ATTRS = {"title", "aria-label", "placeholder", "alt", "data-confirm", "aria-description"}


def _ascii(value, counter):
    """Bundled checklist data with every Chinese text replaced, so what remains Chinese is the interface's."""
    if isinstance(value, dict):
        return {k: _ascii(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_ascii(v, counter) for v in value]
    if isinstance(value, str) and CJK.search(value):
        counter.append(1)
        return f"text {len(counter)}"
    return value


@pytest.fixture
def ascii_world(db):
    from datetime import timedelta

    from django.utils import timezone

    counter = []
    for data in demo.bundled_frameworks():
        fs.create_framework(_ascii(data, counter))
    org = make_user("org", role=Role.ORGANIZER)
    a = cs.create_unit(name="Alpha County", kind="county", code="unit-a", contact_name="Ann Example", contact_email="a@example.org")
    b = cs.create_unit(name="Beta County", kind="county", code="unit-b")
    d = cs.create_unit(name="Test Bureau", kind="department", code="dept-d")
    now = timezone.now()
    campaign = cs.create_campaign(
        title="Test campaign", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
        contact_name="Carl Contact", contact_phone="0912-5550000", contact_email="contact@example.org", notice="Please report.",
        frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"}, user=org,
    )
    cs.enroll(campaign, [a, b, d], user=org)
    cs.change_state(campaign, "open", user=org)
    eva = make_user("eva", role=Role.EVALUATOR)
    EvaluatorAssignment.objects.create(campaign=campaign, user=eva, unit=a)
    sub_a = make_user("sub-a", role=Role.SUBMITTER, unit=a)
    make_user("sub-b", role=Role.SUBMITTER, unit=b)
    boss = make_user("boss", role=Role.VIEWER)
    enrollment = campaign.enrollments.get(unit=a)
    evidence, _ = es.add_file(enrollment, "C01", upload_file("rules.pdf", PDF), user=sub_a)
    gone, _ = es.add_file(enrollment, "C02", upload_file("old.pdf", PDF), user=sub_a)
    es.delete(gone, user=sub_a)
    es.add_link(enrollment, "C03", "https://example.org/x", user=sub_a)
    es.set_response(enrollment, "C04", status="not_applicable", note="No such office", user=sub_a)
    batch = reminders.create_batch(campaign, message="Please report", unit_codes=["unit-a"], user=org)
    # unit-b has submitted, so the pages that exist only after a submission (the receipt) are there too.
    es.add_link(campaign.enrollments.get(unit=b), "C01", "https://example.org/b", user=org)
    es.submit(campaign.enrollments.get(unit=b), user=org, acknowledge_incomplete=True)
    # A finished background export of the organizer's, for its progress page and its file.
    job, _ = jobs.start(campaign, "summary_docx", user=org)
    jobs.run(job.pk)
    users = {"org": org, "eva": eva, "boss": boss, "sub_a": sub_a}
    values = {"pk": campaign.pk, "unit": "unit-a", "evidence_id": evidence.pk, "batch": batch.pk,
              "username": "sub-b", "action": "disable", "kind": "county", "fmt": "xlsx", "objection": 1, "job": job.pk}
    return users, values


def _fill(route, values):
    if route.startswith("frameworks/<slug:code>"):
        values = {**values, "code": "yulin-2020-county"}
    elif route.startswith("campaigns/units/<slug:code>"):
        values = {**values, "code": "unit-a"}
    elif "/receipt" in route:
        values = {**values, "unit": "unit-b"}
    else:
        values = {**values, "code": "C01"}
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if any(name not in values for name in names):
        return None  # a new kind of id: give ascii_world a value for it
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


class _Text(HTMLParser):
    """The text a person reads: text nodes and READ_ATTRS, without scripts and without parts marked Chinese
    with lang="zh…" (the language menu names 简体中文 in Chinese, as language menus do)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skip:
            if tag not in self.VOID:
                self.skip.append(tag)
            return
        if tag in ("script", "style") or (attrs.get("lang") or "").startswith("zh") and tag != "html":
            if tag not in self.VOID:
                self.skip.append(tag)
            return
        self.parts += [v for k, v in attrs.items() if v and (k in READ_ATTRS or k.startswith("data-say-") or (tag == "input" and k == "value"
                                                                             and attrs.get("type") in ("submit", "button")))]

    def handle_endtag(self, tag):
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def chinese_in(html):
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        for match in CJK.finditer(part):
            start, end = max(0, match.start() - 30), match.end() + 30
            found.append(" ".join(part[start:end].split()))
    return sorted(set(found))


def pages():
    """(route, roles allowed) for every web route; GET answers that are not HTML pages are skipped."""
    allowed = {}
    for (_method, route), roles in ACCESS.items():
        if not route.startswith("/api/"):
            allowed.setdefault(route, set()).update({"anon"} if roles == PUBLIC else roles)
    return [(route, allowed.get(route, {"org"})) for route in sorted(web_routes())]


def _client(user, language):
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_every_page_in_english_has_no_chinese_interface_text(ascii_world):
    users, values = ascii_world
    found, rendered, broken, unfilled = {}, [], [], []
    for route, roles in pages():
        answered = []
        path = _fill(route, values)
        if path is None:
            unfilled.append(route)
            continue
        for role in [r for r in ROLES + ["anon"] if r in roles]:
            zh = _client(users.get(role), "zh-hans").get(path, follow=True)
            en = _client(users.get(role), "en").get(path, follow=True)
            answered.append(zh.status_code == en.status_code == 200)
            if en.status_code != 200 or not en.get("Content-Type", "").startswith("text/html"):
                continue
            rendered.append(f"{role} {path}")
            assert 'lang="en"' in en.content.decode()
            chinese = chinese_in(en.content.decode())
            if chinese:
                found[f"{role} {path}"] = chinese
        if ("GET", route) in ACCESS and not any(answered):
            broken.append(route)  # the fixture world does not reach this page: give it what it needs
    for role, path in (("org", "/no/such/page/"), ("sub_a", "/frameworks/")):  # the 404 and 403 pages
        chinese = chinese_in(_client(users[role], "en").get(path).content.decode())
        if chinese:
            found[f"{role} {path} (error page)"] = chinese
    assert unfilled == [], "give ascii_world values for the ids in these routes: " + ", ".join(unfilled)
    assert broken == [], "\n".join(broken)
    assert len(rendered) >= 20, rendered
    report = "\n".join(f"{page}:\n    " + "\n    ".join(texts) for page, texts in found.items())
    assert not found, "Chinese interface text in English pages:\n" + report
