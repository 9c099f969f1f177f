"""Issue 8, the submitter's workspace: notes stay in view (#5), the 报送回执 (#7), files served by type (#9)."""

import hashlib
import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from docx import Document

from pinggu.evidence import receipts, services
from pinggu.evidence.models import Evidence, EvidenceKind
from pinggu.oversight import reminders

from ..conftest import PDF, upload_file

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 32


def _docx_bytes():
    document = Document()
    document.add_paragraph("测试文档")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _outside_details(html):
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


# --- #5: a saved 说明 and a 不适用 reason stay visible under the point --------------------------------

def test_saved_note_is_shown_outside_the_collapsed_form(client, world):
    client.force_login(world.sub_a)
    url = f"/campaigns/{world.campaign.pk}/units/unit-a/points/C02/response/"
    cell = client.post(url, {"status": "done", "note": "本单位于2020年3月印发制度（虚构）"}).content.decode()
    assert "本单位于2020年3月印发制度（虚构）" in _outside_details(cell)
    assert "编辑说明" in cell  # and it can be edited in place
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert "本单位于2020年3月印发制度（虚构）" in _outside_details(page)


def test_not_applicable_reason_is_shown_and_editable(client, world):
    client.force_login(world.sub_a)
    url = f"/campaigns/{world.campaign.pk}/units/unit-a/points/C03/response/"
    cell = client.post(url, {"status": "not_applicable", "note": "本县未设该机构"}).content.decode()
    visible = _outside_details(cell)
    assert "不适用理由" in visible and "本县未设该机构" in visible
    assert "编辑不适用理由" in cell
    # Saving the edited reason keeps the point 不适用.
    cell = client.post(url, {"status": "not_applicable", "note": "本县未设该机构，已由市级统一办理"}).content.decode()
    assert "已由市级统一办理" in _outside_details(cell)
    assert world.enrollment(world.a).responses.get(checkpoint__code="C03").status == "not_applicable"


def test_evaluator_sees_the_note_without_forms(client, world):
    services.set_response(world.enrollment(world.a), "C02", status="done", note="说明文字（虚构）", user=world.sub_a)
    client.force_login(world.evaluator)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert "说明文字（虚构）" in page and "编辑说明" not in page


# --- #7: the receipt ---------------------------------------------------------------------------------

@pytest.fixture
def submitted(world):
    enrollment = world.enrollment(world.a)
    pdf, _ = services.add_file(enrollment, "C01", upload_file("甲县制度.pdf", PDF), user=world.sub_a)
    png, _ = services.add_file(enrollment, "C01", upload_file("截图.png", PNG), user=world.sub_a)
    services.add_link(enrollment, "C02", "https://www.example.gov.cn/zwgk/", user=world.sub_a)
    services.set_response(enrollment, "C02", status="done", note="见网站专栏（虚构）", user=world.sub_a)
    services.set_response(enrollment, "C03", status="not_applicable", note="本县未设该机构", user=world.sub_a)
    gone, _ = services.add_file(enrollment, "C04", upload_file("作废.pdf", PDF + b"x"), user=world.sub_a)
    services.delete(gone, user=world.sub_a)
    services.submit(enrollment, user=world.sub_a, acknowledge_incomplete=True)
    enrollment.refresh_from_db()
    return enrollment, pdf, png


def test_receipt_lists_what_was_stored_with_hashes_of_the_stored_bytes(submitted):
    enrollment, pdf, png = submitted
    r = receipts.receipt(enrollment)
    by_code = {p.code: p for p in r.points}
    assert len(r.points) == enrollment.framework.checkpoints.count()
    files = by_code["C01"].files
    assert [f.name for f in files] == ["甲县制度.pdf", "截图.png"]
    for f in files:
        stored = Evidence.objects.get(pk=f.evidence_id)
        with default_storage.open(stored.file.name, "rb") as fh:
            data = fh.read()
        assert f.sha256 == hashlib.sha256(data).hexdigest()
        assert f.size == len(data)
    assert [link.url for link in by_code["C02"].links] == ["https://www.example.gov.cn/zwgk/"]
    assert by_code["C02"].note == "见网站专栏（虚构）"
    assert by_code["C03"].not_applicable_reason == "本县未设该机构" and by_code["C03"].status == "not_applicable"
    assert by_code["C04"].files == ()  # deleted before submission: not part of what was sent
    assert r.submitter == "sub-a" and r.submitted_at == enrollment.submitted_at
    assert r.unit_name == "甲县" and r.campaign_title == "测试评估"
    assert r.file_count == 2 and r.answered == 3


def test_fingerprint_is_sha256_of_the_listed_content_and_changes_with_it(submitted):
    enrollment, pdf, png = submitted
    r = receipts.receipt(enrollment)
    assert re.fullmatch(r"[0-9a-f]{64}", r.fingerprint)
    assert r.fingerprint[:8].upper() in r.number
    assert receipts.receipt(enrollment).fingerprint == r.fingerprint  # stable
    Evidence.objects.filter(pk=png.pk).update(sha256="0" * 64)
    assert receipts.receipt(enrollment).fingerprint != r.fingerprint


def test_receipt_page_and_docx_show_the_same_content(client, world, submitted):
    enrollment, pdf, png = submitted
    r = receipts.receipt(enrollment)
    client.force_login(world.sub_a)
    base = f"/campaigns/{world.campaign.pk}/units/unit-a"
    page = client.get(f"{base}/receipt/").content.decode()
    for text in (r.number, r.fingerprint, pdf.sha256, png.sha256, "甲县制度.pdf", "本县未设该机构", "见网站专栏（虚构）",
                 "https://www.example.gov.cn/zwgk/", "sub-a", "测试评估"):
        assert text in page
    response = client.get(f"{base}/receipt.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for row in t.rows for c in row.cells)
    for needle in (r.number, r.fingerprint, pdf.sha256, png.sha256, "甲县制度.pdf", "本县未设该机构", "sub-a"):
        assert needle in text


def test_receipt_permissions(client, world, submitted):
    from pinggu.accounts.models import Role
    from pinggu.campaigns.models import EvaluatorAssignment

    from ..conftest import make_user

    eva_b = make_user("eva-b", role=Role.EVALUATOR)
    EvaluatorAssignment.objects.create(campaign=world.campaign, user=eva_b, unit=world.b)
    base = f"/campaigns/{world.campaign.pk}/units/unit-a"
    for user, allowed in ((world.sub_a, True), (world.organizer, True), (world.evaluator, True),
                          (eva_b, False), (world.sub_b, False), (world.viewer, False)):
        client.force_login(user)
        for url in (f"{base}/receipt/", f"{base}/receipt.docx"):
            assert client.get(url).status_code == (200 if allowed else 404), (user, url)


def test_no_receipt_before_submission(client, world):
    client.force_login(world.sub_a)
    base = f"/campaigns/{world.campaign.pk}/units/unit-a"
    response = client.get(f"{base}/receipt/")
    assert response.status_code == 404 and "尚未报送" in response.content.decode()
    assert client.get(f"{base}/receipt.docx").status_code == 404
    assert "报送回执" not in client.get(f"{base}/").content.decode()


def test_workspace_links_the_receipt_after_submission(client, world, submitted):
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert f"/campaigns/{world.campaign.pk}/units/unit-a/receipt/" in page


def test_stale_reminder_disappears_once_submitted(client, world):
    reminders.create_batch(world.campaign, message="请抓紧报送（测试）", unit_codes=["unit-a"], user=world.organizer)
    client.force_login(world.sub_a)
    url = f"/campaigns/{world.campaign.pk}/units/unit-a/"
    assert "请抓紧报送（测试）" in client.get(url).content.decode()
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    assert "请抓紧报送（测试）" not in client.get(url).content.decode()


# --- #9: files served by type, previewed only where safe ----------------------------------------------

def _stored(world, name, content, ext):
    """An evidence row whose stored bytes and type are given directly (what an old or tampered file looks like)."""
    enrollment = world.enrollment(world.a)
    item, _ = services.add_file(enrollment, "C05", upload_file("占位.pdf", PDF + name.encode()), user=world.sub_a)
    path = default_storage.save(f"evidence/test/{name}", io.BytesIO(content))
    Evidence.objects.filter(pk=item.pk).update(file=path, file_type=ext, filename=name, size=len(content))
    return Evidence.objects.get(pk=item.pk)


def _assert_sandboxed(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp and "script-src" not in csp


@pytest.mark.parametrize("name,content,ext,media", [
    ("制度.pdf", PDF, "pdf", "application/pdf"),
    ("截图.png", PNG, "png", "image/png"),
])
def test_pdf_and_images_inline_with_their_type(client, world, name, content, ext, media):
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file(name, content), user=world.sub_a)
    client.force_login(world.sub_a)
    response = client.get(f"/evidence/{item.pk}/inline/")
    assert response.status_code == 200
    assert response["Content-Type"] == media
    assert response["Content-Disposition"].startswith("inline")
    _assert_sandboxed(response)
    assert b"".join(response.streaming_content) == content
    download = client.get(f"/evidence/{item.pk}/download/")
    assert download["Content-Type"] == media and download["Content-Disposition"].startswith("attachment")
    _assert_sandboxed(download)
    page = client.get(f"/evidence/{item.pk}/preview/").content.decode()
    assert f"/evidence/{item.pk}/inline/" in page
    assert ("pdf-preview" in page) == (ext == "pdf")


def test_docx_downloads_with_its_type_never_inline(client, world):
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("报告.docx", _docx_bytes()), user=world.sub_a)
    client.force_login(world.sub_a)
    for route in ("download", "inline"):
        response = client.get(f"/evidence/{item.pk}/{route}/")
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert response["Content-Disposition"].startswith("attachment")
        _assert_sandboxed(response)
    assert "不能在浏览器中预览" in client.get(f"/evidence/{item.pk}/preview/").content.decode()


def test_html_disguised_as_pdf_is_refused_and_never_shown(client, world):
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    with pytest.raises(services.EvidenceError):
        services.add_file(world.enrollment(world.a), "C01", upload_file("通知.pdf", html), user=world.sub_a)
    # Bytes that got into storage some other way are still not shown: they must look like a PDF.
    item = _stored(world, "通知.pdf", html, "pdf")
    client.force_login(world.sub_a)
    response = client.get(f"/evidence/{item.pk}/inline/")
    assert response["Content-Disposition"].startswith("attachment")
    assert "html" not in response["Content-Type"]
    _assert_sandboxed(response)


def test_svg_is_never_inline_nor_served_as_svg(client, world):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(services.EvidenceError):
        services.add_file(world.enrollment(world.a), "C01", upload_file("图.svg", svg), user=world.sub_a)
    item = _stored(world, "图.svg", svg, "svg")
    client.force_login(world.sub_a)
    for route in ("download", "inline"):
        response = client.get(f"/evidence/{item.pk}/{route}/")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")
        _assert_sandboxed(response)


def test_preview_links_next_to_previewable_files_only(client, world):
    enrollment = world.enrollment(world.a)
    pdf, _ = services.add_file(enrollment, "C01", upload_file("制度.pdf", PDF), user=world.sub_a)
    doc, _ = services.add_file(enrollment, "C01", upload_file("报告.docx", _docx_bytes()), user=world.sub_a)
    client.force_login(world.evaluator)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert f"/evidence/{pdf.pk}/preview/" in page and f"/evidence/{doc.pk}/preview/" not in page


def test_preview_of_a_link_is_404(client, world):
    link, _ = services.add_link(world.enrollment(world.a), "C01", "https://example.org/x", user=world.sub_a)
    assert link.kind == EvidenceKind.LINK
    client.force_login(world.sub_a)
    assert client.get(f"/evidence/{link.pk}/preview/").status_code == 404


def test_upload_refusal_json_carries_the_chinese_reason(client, world):
    client.force_login(world.sub_a)
    response = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/upload/",
                           {"file": upload_file("evil.html", b"<html></html>")}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["ok"] is False and "文件类型不允许上传" in body["message"]


def test_receipt_docx_renders_as_a_document_with_every_hash(submitted, tmp_path):
    """The receipt is proof on paper: LibreOffice renders it, every hash and the fingerprint printed whole."""
    import pdfplumber

    from pinggu.evidence import receipt_docx
    from tests.exports.office import to_pdf

    enrollment, pdf, png = submitted
    r = receipts.receipt(enrollment)
    rendered = to_pdf(receipt_docx.build(r), tmp_path, "receipt")
    with pdfplumber.open(rendered) as doc:
        text = "".join((page.extract_text() or "") for page in doc.pages)
        # A hash wraps inside its cell, so read the table cell by cell rather than line by line.
        cells = "".join(cell or "" for page in doc.pages for table in page.extract_tables() for row in table for cell in row)
        assert doc.pages[0].width > doc.pages[0].height  # landscape: the hash column has room
    flat = re.sub(r"\s+", "", text + cells)
    for needle in ("报送回执", r.number, r.fingerprint, pdf.sha256, png.sha256, "本县未设该机构", "—1—"):
        assert needle in flat, needle
