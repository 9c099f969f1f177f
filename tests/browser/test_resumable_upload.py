"""Issue 11 §2 in a real Chromium: a large file goes through tus with a progress bar, survives a reload, resumes."""

import hashlib
import re

import pytest

from pinggu.evidence.models import Evidence, Upload

from .steps import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUNK = 64 * 1024


def test_a_large_file_uploads_resumably_and_continues_after_a_reload(page, world, settings, tmp_path):
    settings.RESUMABLE_THRESHOLD_BYTES = 100_000
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    content = b"%PDF-1.4\n" + hashlib.sha256(b"scan").digest() * (1_000_000 // 32)
    scan = tmp_path / "大扫描件.pdf"  # a file on disk: the same file (name, size, date) is recognised after the reload
    scan.write_bytes(content)

    # The network drops after five chunks: every later PATCH fails until the page is reloaded.
    offsets, state = [], {"blocked": True}

    def network(route, request):
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            if state["blocked"] and len(offsets) > 5:
                route.abort()
                return
        route.continue_()

    login(page, "sub-a")
    page.wait_for_url(re.compile(r"/campaigns/|/$"))
    page.goto(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    page.route(re.compile(r".*/api/v1/uploads/.*"), network)
    page.set_input_files("#point-C01 input[data-upload]", files=[str(scan)])
    while len(offsets) < 7:
        page.wait_for_timeout(100)
    bar = page.locator("#upload-queue li[data-resumable] .progress")
    assert 25 <= int(bar.get_attribute("aria-valuenow")) < 100, "the bar shows how far the file got"
    upload = Upload.objects.get()
    assert upload.offset == 5 * CHUNK and not Evidence.objects.exists()

    page.reload()
    state["blocked"] = False
    resume = page.locator("#upload-queue li:has-text('继续上传')")
    resume.wait_for()
    assert "大扫描件.pdf" in resume.inner_text() and f"{5 * CHUNK * 100 // len(content)}%" in resume.inner_text()
    before = len(offsets)
    page.set_input_files("#upload-queue input[data-resume-input]", files=[str(scan)])
    page.wait_for_selector("#point-C01 .evidence-list :text('大扫描件.pdf')")
    assert offsets[before] == 5 * CHUNK, "the upload continued where the server had stopped, not from the start"
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.size == len(content)
    done = page.locator("#upload-queue li[data-resumable]")
    assert done.get_attribute("data-evidence-id") == str(evidence.pk)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tus::')).length") == 0
