import io
import json
import zipfile

import pytest

from pinggu.evidence import services
from pinggu.evidence.models import Evidence

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    token = token_for(client, "sub-a")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client.base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    return client


def post_file(api, name, content, point="C01", **extra):
    f = io.BytesIO(content)
    f.name = name
    return api.post(f"{api.base}/checkpoints/{point}/evidence", {"file": f, **extra})


def ooxml(kind):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr({"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind], "<x/>")
    return buffer.getvalue()


GOOD = {
    "制度.pdf": PDF,
    "台账.docx": ooxml("docx"),
    "统计.xlsx": ooxml("xlsx"),
    "汇报.pptx": ooxml("pptx"),
    "旧版.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "金山.wps": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600,
    "截图.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "照片.JPG": b"\xff\xd8\xff\xe0" + b"\x00" * 100,
    "说明.txt": "政务公开说明，共三条。\n".encode("gb18030"),
    "打包.zip": b"PK\x05\x06" + b"\x00" * 18,
    "压缩.rar": b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40,
    "归档.7z": b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40,
}


@pytest.mark.parametrize("name", list(GOOD))
@pytest.mark.both_storages
def test_allowed_types_accepted(api, world, name):
    response = post_file(api, name, GOOD[name])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filename"] == name and body["size"] == len(GOOD[name])
    import hashlib

    assert body["sha256"] == hashlib.sha256(GOOD[name]).hexdigest()


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("伪装.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "content_mismatch"),
        ("图标.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "type_not_allowed"),
        ("图标.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "content_mismatch"),
        ("页面.txt", b"<html><body onload=alert(1)>", "content_mismatch"),
        ("程序.exe", b"MZ\x90\x00" + b"\x00" * 100, "type_not_allowed"),
        ("程序.pdf", b"MZ\x90\x00" + b"\x00" * 100, "content_mismatch"),
        ("脚本.docx", b"PK\x03\x04not really a zip", "content_mismatch"),
        ("普通压缩包.docx", b"PK\x05\x06" + b"\x00" * 18, "content_mismatch"),
        ("没有扩展名", PDF, "type_not_allowed"),
        ("page.html", b"<html></html>", "type_not_allowed"),
    ],
)
def test_refused_types(api, world, name, content, code):
    response = post_file(api, name, content)
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert "message" in response.json() and response.json()["message"]
    assert not Evidence.objects.exists()


def test_empty_file_refused(api, world):
    response = post_file(api, "空.pdf", b"")
    assert response.status_code == 400 and response.json()["error"] == "empty_file"


def test_oversize_file_refused(api, world):
    world.campaign.max_file_bytes = 1000
    world.campaign.save()
    response = post_file(api, "大.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400 and response.json()["error"] == "too_large"
    assert "超过单个文件上限" in response.json()["message"]
    huge = post_file(api, "更大.pdf", PDF + b"0" * 200_000)  # refused from Content-Length, before reading the body
    assert huge.status_code == 400 and huge.json()["error"] == "too_large"
    assert not Evidence.objects.exists()


@pytest.mark.both_storages
def test_unit_quota(api, world):
    world.campaign.unit_quota_bytes = len(PDF) + 10
    world.campaign.save()
    assert post_file(api, "一.pdf", PDF).status_code == 201
    second = post_file(api, "二.pdf", PDF + b"% other", point="C02")
    assert second.status_code == 400 and second.json()["error"] == "quota_exceeded"
    assert world.enrollment(world.a).bytes_used == len(PDF)
    # Deleting frees the space again.
    services.delete(Evidence.objects.get(), user=world.sub_a)
    assert post_file(api, "二.pdf", PDF + b"% other", point="C02").status_code == 201


@pytest.mark.both_storages
def test_same_content_twice_reported_not_stored(api, world):
    first = post_file(api, "甲.pdf", PDF)
    again = post_file(api, "甲（副本）.pdf", PDF)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert Evidence.objects.count() == 1
    elsewhere = post_file(api, "甲.pdf", PDF, point="C02")  # another point is another piece of evidence
    assert elsewhere.status_code == 201


NAMES = [
    "政务公开工作制度（2020年修订版）.pdf",
    ("很长的文件名" * 60)[:251] + ".pdf",  # 255 characters
    "../../etc/passwd.pdf",
    "nul\x00byte.pdf",
    "会议纪要🎉📄.pdf",
    ".hidden.pdf",
    "...pdf",
    "a b  c;d'e\"f&g<h>.pdf",
    "C:\\Users\\办公室\\Desktop\\报告.pdf",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.both_storages
def test_odd_names_survive_byte_for_byte(client, world, name, settings):
    content = PDF + name.encode("utf-8", "replace") + bytes(range(256))
    client.force_login(world.sub_a)
    f = io.BytesIO(content)
    f.name = name
    response = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/upload/", {"file": f},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    item = Evidence.objects.get()
    assert "\x00" not in item.filename and "/" not in item.filename and item.filename.strip(".")
    # Stored under a generated name inside the data directory, never at a user-given path.
    assert item.file.name.startswith(f"evidence/{world.campaign.pk}/")
    assert ".." not in item.file.name and name not in item.file.name
    download = client.get(f"/evidence/{item.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"  # the type validated at upload (issue 8 #9), never text/html
    assert download["X-Content-Type-Options"] == "nosniff"


def test_chinese_name_kept_for_display(api, world):
    name = "政务公开工作制度（2020年修订版）.pdf"
    assert post_file(api, name, PDF).json()["filename"] == name
    download = api.get(f"/api/v1/evidence/{Evidence.objects.get().pk}/download")
    assert "filename*=utf-8''" in download["Content-Disposition"]


def test_link_note_and_not_applicable(api, world):
    link = api.post(f"{api.base}/checkpoints/C03/evidence", json.dumps({"url": "https://www.example.org/zwgk/1.html", "note": "首页"}),
                    content_type="application/json")
    assert link.status_code == 201 and link.json()["kind"] == "link"
    bad = api.post(f"{api.base}/checkpoints/C03/evidence", json.dumps({"url": "javascript:alert(1)"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_url"
    na = api.put(f"{api.base}/checkpoints/C26/response", json.dumps({"status": "not_applicable", "note": ""}), content_type="application/json")
    assert na.status_code == 400 and na.json()["error"] == "reason_required"
    na = api.put(f"{api.base}/checkpoints/C26/response", json.dumps({"status": "not_applicable", "note": "由市级平台统一承载"}),
                 content_type="application/json")
    assert na.status_code == 200 and na.json()["status"] == "not_applicable"
    note = api.put(f"{api.base}/checkpoints/C11/response", json.dumps({"status": "done", "note": "见附件说明"}), content_type="application/json")
    assert note.json()["status"] == "done"
    checklist = api.get(f"{api.base}/checklist").json()
    assert checklist["progress"] == {"done": 3, "total": 36}
    points = {cp["code"]: cp for ind in _walk(checklist["indicators"]) for cp in ind["checkpoints"]}
    assert points["C03"]["status"] == "done" and points["C03"]["evidence"][0]["url"] == "https://www.example.org/zwgk/1.html"
    assert points["C26"]["status"] == "not_applicable" and points["C26"]["note"] == "由市级平台统一承载"
    assert points["C01"]["status"] == "empty" and points["C01"]["evidence"] == []
    assert set(points["C03"]["evidence"][0]) >= {"id", "kind", "filename", "url", "size", "sha256", "uploaded_at", "uploaded_by"}


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def test_unknown_checkpoint_is_404(api, world):
    assert post_file(api, "x.pdf", PDF, point="C99").status_code == 404


@pytest.mark.both_storages
def test_delete_is_soft_and_organizer_restores(client, api, world):
    item_id = post_file(api, "甲.pdf", PDF).json()["id"]
    assert api.delete(f"/api/v1/evidence/{item_id}").status_code == 200
    item = Evidence.objects.get(pk=item_id)
    assert item.deleted_at is not None and item.file.storage.exists(item.file.name)
    assert api.post(f"/api/v1/evidence/{item_id}/restore").status_code in (403, 404)
    checklist = api.get(f"{api.base}/checklist").json()
    assert checklist["progress"]["done"] == 0
    org = token_for(client, "org")
    restored = client.post(f"/api/v1/evidence/{item_id}/restore", HTTP_AUTHORIZATION=f"Bearer {org}")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    from pinggu.accounts.models import AuditEvent

    assert list(AuditEvent.objects.filter(action__in=["upload", "delete", "restore"]).order_by("at", "id").values_list("action", flat=True)) == ["upload", "delete", "restore"]


def test_pasted_address_without_scheme_is_accepted(api, world):
    link = api.post(f"{api.base}/checkpoints/C03/evidence", json.dumps({"url": "www.example.org/zwgk/1.html"}), content_type="application/json")
    assert link.status_code == 201 and link.json()["url"] == "http://www.example.org/zwgk/1.html"
    words = api.post(f"{api.base}/checkpoints/C03/evidence", json.dumps({"url": "见附件"}), content_type="application/json")
    assert words.status_code == 400 and "http://" in words.json()["message"]


def test_every_change_gives_the_point_a_newer_revision(client, world):
    """The workspace keeps the newest cell when parallel uploads answer out of order (data-rev)."""
    import re

    from pinggu.evidence import services as ev

    def rev():
        client.force_login(world.sub_a)
        page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
        return re.search(r'id="point-C01" class="point-cell" data-rev="(\d+)"', page).group(1)

    revisions = [rev()]
    item, _ = ev.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    revisions.append(rev())
    ev.delete(item, user=world.sub_a)
    revisions.append(rev())
    ev.restore(item, user=world.organizer)
    revisions.append(rev())
    assert revisions == sorted(revisions) and len(set(revisions)) == 4
    assert all(len(r) == 16 for r in revisions[1:])
