import base64
import io
import json
import re

import pytest
from openpyxl import load_workbook

from pinggu.accounts.models import AuditEvent, Role, User

from ..conftest import token_for

pytestmark = pytest.mark.django_db


def test_bulk_accounts_for_enrolled_units(client, world):
    User.objects.filter(role=Role.SUBMITTER).delete()
    client.force_login(world.organizer)
    page = client.post(f"/campaigns/{world.campaign.pk}/accounts/").content.decode()
    data = re.search(r'base64,([A-Za-z0-9+/=]+)"', page).group(1)
    ws = load_workbook(io.BytesIO(base64.b64decode(data))).active
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(r[1] for r in rows) == ["dept-d", "unit-a", "unit-b"]
    for unit_name, username, password, _address in rows:
        assert password in page  # shown once on the page as well
        user = User.objects.get(username=username)
        assert user.must_change_password and user.unit.name == unit_name and user.check_password(password)
    # Again: nobody is created twice, no password is shown again.
    again = client.post(f"/campaigns/{world.campaign.pk}/accounts/").content.decode()
    assert "没有新建账户" in again
    assert User.objects.filter(role=Role.SUBMITTER).count() == 3


def test_create_user_api(client, world):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    generated = client.post("/api/v1/users", json.dumps({"username": "unit-a-2", "role": "submitter", "unit_code": "unit-a"}),
                            content_type="application/json", **auth)
    assert generated.status_code == 201
    body = generated.json()
    assert body["must_change_password"] is True and len(body["password"]) >= 10
    given = client.post("/api/v1/users", json.dumps({"username": "ev2", "password": "Given-Passw0rd", "role": "evaluator",
                                                     "must_change_password": False}), content_type="application/json", **auth)
    assert given.status_code == 201 and "password" not in given.json()
    assert token_for(client, "ev2", "Given-Passw0rd")
    assert client.post("/api/v1/users", json.dumps({"username": "ev2", "role": "viewer"}), content_type="application/json", **auth).status_code == 409
    weak = client.post("/api/v1/users", json.dumps({"username": "x1", "password": "weak", "role": "viewer"}), content_type="application/json", **auth)
    assert weak.status_code == 400 and weak.json()["error"] == "weak_password"
    no_unit = client.post("/api/v1/users", json.dumps({"username": "x2", "role": "submitter"}), content_type="application/json", **auth)
    assert no_unit.status_code == 400 and no_unit.json()["error"] == "unit_required"
    sub = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    assert client.post("/api/v1/users", json.dumps({"username": "x3", "role": "organizer"}), content_type="application/json", **sub).status_code == 403
    assert AuditEvent.objects.filter(action="account_create").count() == 2


def test_reset_and_disable(client, world):
    client.force_login(world.organizer)
    page = client.post("/accounts/users/sub-a/reset/").content.decode()
    password = re.search(r'<code class="credential">([^<]+)</code>', page).group(1)
    user = User.objects.get(username="sub-a")
    assert user.must_change_password and user.check_password(password.replace("&amp;", "&"))
    client.post("/accounts/users/sub-b/disable/")
    assert not User.objects.get(username="sub-b").is_active
    assert client.post("/api/v1/auth/token", json.dumps({"username": "sub-b", "password": "Test-Passw0rd!"}),
                       content_type="application/json").status_code == 401
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"password_reset", "account_disable"}


def test_audit_filter_export_and_api(client, world):
    from pinggu.evidence import services

    from ..conftest import PDF, upload_file

    services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", PDF), user=world.sub_a)
    services.add_file(world.enrollment(world.b), "C01", upload_file("=cmd|'/C calc'!A0.pdf", PDF), user=world.sub_b)
    client.force_login(world.organizer)
    page = client.get(f"/accounts/audit/?campaign={world.campaign.pk}&unit=unit-a&action=upload").content.decode()
    assert "甲.pdf" in page and "calc" not in page
    export = client.get(f"/accounts/audit/?campaign={world.campaign.pk}&action=upload&format=xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell is not None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    api = client.get(f"/api/v1/audit?campaign={world.campaign.pk}&unit=unit-b&action=upload", **auth).json()
    assert api["count"] == 1 and api["events"][0]["unit"] == "unit-b" and api["events"][0]["actor"] == "sub-b"
    since = client.get("/api/v1/audit?since=2999-01-01T00:00:00%2B08:00", **auth).json()
    assert since["count"] == 0
    assert AuditEvent.objects.filter(action="audit_export").exists()


def test_audit_is_append_only(world):
    from django.core.exceptions import ValidationError

    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_role_change_and_evaluator_assignment(client, world):
    client.force_login(world.organizer)
    ev2 = User.objects.create_user("ev2", password="Ev2-Passw0rd!", role=Role.VIEWER)
    client.post("/accounts/users/ev2/role/", {"role": "evaluator"})
    ev2.refresh_from_db()
    assert ev2.role == Role.EVALUATOR
    refused = client.post("/accounts/users/ev2/role/", {"role": "submitter"}, follow=True).content.decode()
    assert "必须属于一个单位" in refused
    client.post(f"/campaigns/{world.campaign.pk}/evaluators/", {"evaluator": "ev2", "unit": "unit-b"})
    token = token_for(client, "ev2", "Ev2-Passw0rd!")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-b/checklist", **auth).status_code == 200
    assert client.get(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checklist", **auth).status_code == 404
    assert {"role_change", "evaluator_assign"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_password_workbook_carries_the_login_address(client, world, settings):
    """Issue 8, point 10: the one-time-password workbook says where to log in, on every row, escaped."""
    settings.BASE_URL = "https://pinggu.example.gov.cn"
    User.objects.filter(role=Role.SUBMITTER).delete()
    world.b.name = "=HYPERLINK(\"http://x\")"
    world.b.save()
    client.force_login(world.organizer)
    page = client.post(f"/campaigns/{world.campaign.pk}/accounts/").content.decode()
    assert "https://pinggu.example.gov.cn/accounts/login/" in page
    data = re.search(r'base64,([A-Za-z0-9+/=]+)"', page).group(1)
    ws = load_workbook(io.BytesIO(base64.b64decode(data))).active
    assert [c.value for c in ws[1]] == ["单位", "用户名", "初始密码（首次登录须修改）", "登录地址"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {r[3] for r in rows} == {"https://pinggu.example.gov.cn/accounts/login/"}
    assert "'=HYPERLINK(\"http://x\")" in {r[0] for r in rows}  # still no formula
    assert all(ws.cell(row=n, column=1).data_type == "s" for n in range(2, ws.max_row + 1))


def test_reset_password_workbook_has_the_address_from_the_request(client, world, settings):
    settings.BASE_URL = ""
    client.force_login(world.organizer)
    page = client.post("/accounts/users/sub-a/reset/").content.decode()
    data = re.search(r'base64,([A-Za-z0-9+/=]+)"', page).group(1)
    ws = load_workbook(io.BytesIO(base64.b64decode(data))).active
    assert ws["B2"].value == "sub-a" and ws["D2"].value == "http://testserver/accounts/login/"
