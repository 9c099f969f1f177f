"""Issue 8 in a real Chromium: notes in view (#5), the receipt (#7), the failed upload (#8), previews (#9)."""

import io
import re
import struct
import zlib

import pytest
from docx import Document

from pinggu.evidence import services
from pinggu.site.demo import sample_pdf

from ..conftest import upload_file
from .steps import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def small_png(width=4, height=3):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_failed_upload_turns_its_bar_red_with_the_reason(page, world):
    login(page, "sub-a")
    page.wait_for_url(re.compile(r"/campaigns/|/$"))
    page.goto(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    page.set_input_files("#point-C01 input[data-upload]",
                         files=[{"name": "通知.html", "mimeType": "text/html", "buffer": b"<html><script>alert(1)</script></html>"}])
    row = page.locator("#upload-queue li.upload-failed")
    row.wait_for()
    assert "文件类型不允许上传" in row.inner_text()
    assert "bg-danger" in row.locator(".progress-bar").get_attribute("class")
    colour = row.locator(".progress-bar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(220, 53, 69)"  # Bootstrap's danger red
    page.screenshot(path="/tmp/pinggu-issue8-failed-upload.png")
    # The panel does not hide the end of the page: the body leaves room for it.
    padding = page.evaluate("parseInt(getComputedStyle(document.body).paddingBottom)")
    assert padding >= page.locator("#upload-queue").bounding_box()["height"]


def test_saved_note_stays_visible_and_can_be_edited(page, world):
    login(page, "sub-a")
    page.wait_for_url(re.compile(r"/campaigns/|/$"))
    page.goto(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    page.click("#point-C02 summary:has-text('填写说明')")
    page.fill("#point-C02 textarea[name=note]", "制度已于2020年3月印发（虚构）")
    page.click("#point-C02 button:has-text('保存说明')")
    note = page.locator("#point-C02 .point-note")
    note.wait_for()
    assert "制度已于2020年3月印发（虚构）" in note.inner_text() and note.is_visible()
    page.click("#point-C02 summary:has-text('编辑说明')")
    page.fill("#point-C02 textarea[name=note]", "制度已于2020年4月修订（虚构）")
    page.click("#point-C02 button:has-text('保存说明')")
    page.wait_for_selector("#point-C02 .point-note:has-text('2020年4月修订')")


def test_pdf_and_image_preview_inline(page, world):
    enrollment = world.enrollment(world.a)
    pdf, _ = services.add_file(enrollment, "C01", upload_file("制度.pdf", sample_pdf("Pinggu preview")), user=world.sub_a)
    png, _ = services.add_file(enrollment, "C01", upload_file("截图.png", small_png()), user=world.sub_a)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "sub-a")
    page.wait_for_url(re.compile(r"/campaigns/|/$"))
    page.goto(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    href = page.get_attribute(f"#point-C01 a[href='/evidence/{pdf.pk}/preview/']", "href")
    page.goto(href)
    page.wait_for_selector("#pdf-preview canvas[data-rendered='true']")
    assert page.inner_text("#pdf-status") == "共 1 页"
    # Something was drawn: the canvas is not blank white.
    painted = page.evaluate("""() => {
        const c = document.querySelector('#pdf-preview canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) { if (d[i] < 200) return true; }
        return false; }""")
    assert painted
    page.screenshot(path="/tmp/pinggu-issue8-pdf-preview.png")
    page.goto(f"/evidence/{png.pk}/preview/")
    width = page.locator("img.evidence-image").evaluate("img => img.complete && img.naturalWidth")
    assert width == 4
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_receipt_downloads_after_submission(page, world):
    enrollment = world.enrollment(world.a)
    pdf, _ = services.add_file(enrollment, "C01", upload_file("制度.pdf", sample_pdf("Pinggu preview")), user=world.sub_a)
    services.set_response(enrollment, "C03", status="not_applicable", note="本县未设该机构", user=world.sub_a)
    services.submit(enrollment, user=world.sub_a, acknowledge_incomplete=True)
    login(page, "sub-a")
    page.wait_for_url(re.compile(r"/campaigns/|/$"))
    page.goto(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    page.click("a:has-text('报送回执')")
    number = page.inner_text(".receipt-number")
    assert pdf.sha256 in page.content() and "本县未设该机构" in page.content()
    page.screenshot(path="/tmp/pinggu-issue8-receipt.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("text=下载 Word 回执")
    assert download.value.suggested_filename == "报送回执-甲县.docx"
    with open(download.value.path(), "rb") as fh:
        document = Document(io.BytesIO(fh.read()))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for row in t.rows for c in row.cells)
    assert number in text and "本县未设该机构" in text
