import csv
import hashlib
import io
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from pinggu.accounts.models import AuditEvent
from pinggu.evidence import services
from pinggu.evidence.models import Evidence
from pinggu.exports.models import Bundle
from pinggu.exports.names import UniqueNames, windows_safe

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db

NAMES = [
    "制度文件.pdf", "制度文件.pdf",            # same name twice (different content)
    "制度文件.PDF",                            # differs only by case: collides on Windows
    'a<b>c:d"e|f?g*h.pdf',                     # characters Windows forbids
    "CON.pdf", "trailing dot. .pdf", "NUL",    # reserved device names; a dot inside the name is fine
]


@pytest.fixture
def loaded(world):
    e = world.enrollment(world.a)
    uploaded = {}
    for i, name in enumerate(NAMES):
        content = PDF + f"% {i} {name}".encode() if name != "NUL" else "纯文本说明".encode()
        if name == "NUL":
            name = "NUL.txt"
        item, _ = services.add_file(e, "C01", upload_file(name, content), user=world.sub_a)
        uploaded[item.pk] = content
    services.add_link(e, "C03", "https://www.example.org/zwgk/a.html", user=world.sub_a, note="首页")
    services.set_response(e, "C26", status="not_applicable", note="由市级平台统一承载", user=world.sub_a)
    gone, _ = services.add_file(e, "C02", upload_file("已删除.pdf", PDF + b"% gone"), user=world.sub_a)
    services.delete(gone, user=world.sub_a)
    other, _ = services.add_file(world.enrollment(world.b), "C01", upload_file("乙县材料.pdf", PDF + b"% b"), user=world.sub_b)
    uploaded[other.pk] = PDF + b"% b"
    return uploaded


def get_zip(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"].startswith("attachment")
    return zipfile.ZipFile(io.BytesIO(body)), body


@pytest.mark.both_storages
def test_bundle_layout_manifest_and_hashes(client, world, loaded):
    client.force_login(world.organizer)
    archive, body = get_zip(client, f"/campaigns/{world.campaign.pk}/export/evidence.zip")
    names = archive.namelist()
    assert "manifest.csv" in names and "manifest.xlsx" in names
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        if not info.filename.isascii():
            assert info.flag_bits & 0x800, info.filename  # UTF-8 name flag
    a_files = sorted(n for n in names if n.startswith("甲县/C01 "))
    folder = a_files[0].rsplit("/", 1)[0]
    assert folder == "甲县/C01 是否建立健全利益相关方、公众代表、专家"
    leaves = sorted(n.rsplit("/", 1)[1] for n in a_files)
    assert leaves == sorted(["制度文件.pdf", "制度文件 (2).pdf", "制度文件 (3).PDF", "a_b_c_d_e_f_g_h.pdf", "_CON.pdf", "trailing dot. .pdf", "_NUL.txt"])  # NUL is a device name even with an extension
    assert not any("已删除" in n for n in names)
    assert "乙县/C01 是否建立健全利益相关方、公众代表、专家/乙县材料.pdf" in names
    rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    assert header[:4] == ["单位", "单位代码", "考核点", "包内路径"]
    assert len(rows) == len(loaded)
    by_path = {r[3]: r for r in rows}
    for item in Evidence.objects.alive().filter(kind="file"):
        row = next(r for r in rows if r[4] == item.filename and r[1] == item.response.enrollment.unit.code and r[6] == item.sha256)
        data = archive.read(row[3])
        assert hashlib.sha256(data).hexdigest() == row[6] == item.sha256
        assert data == loaded[item.pk]  # byte for byte what was uploaded
        assert int(row[5]) == len(data)
    assert set(by_path) <= set(names)
    xlsx = load_workbook(io.BytesIO(archive.read("manifest.xlsx"))).active
    assert xlsx.max_row == len(rows) + 1
    notes = archive.read("甲县/说明.txt").decode("utf-8-sig")
    assert "由市级平台统一承载" in notes and "https://www.example.org/zwgk/a.html（首页）" in notes and "\r\n" in notes
    if shutil.which("unzip"):
        path = f"/tmp/pinggu-test-{world.campaign.pk}.zip"
        with open(path, "wb") as fh:
            fh.write(body)
        listing = subprocess.run(["unzip", "-l", path], capture_output=True, text=True, env={"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        assert "甲县/C01" in listing.stdout
        assert subprocess.run(["unzip", "-tq", path], capture_output=True).returncode == 0


def test_selected_units_only(client, world, loaded):
    client.force_login(world.organizer)
    archive, _ = get_zip(client, f"/campaigns/{world.campaign.pk}/export/evidence.zip?units=unit-b")
    assert not any(n.startswith("甲县/") for n in archive.namelist())
    assert any(n.startswith("乙县/") for n in archive.namelist())
    assert client.get(f"/campaigns/{world.campaign.pk}/export/evidence.zip?units=nope").status_code == 404


def test_evaluator_bundle_holds_only_assigned_units(client, world, loaded):
    token = token_for(client, "eva")
    response = client.get(f"/api/v1/campaigns/{world.campaign.pk}/export/evidence.zip", HTTP_AUTHORIZATION=f"Bearer {token}")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {n.split("/")[0] for n in archive.namelist() if "/" in n} == {"甲县"}


@pytest.mark.both_storages
def test_prebuilt_bundle_serves_ranges(client, world, loaded, django_capture_on_commit_callbacks):
    client.force_login(world.organizer)
    url = f"/campaigns/{world.campaign.pk}/export/evidence.zip"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)  # streamed now, and asks for a pre-built copy
    assert first.streaming and "Accept-Ranges" not in first
    streamed = b"".join(first.streaming_content)
    bundle = Bundle.objects.get()
    assert bundle.status == "ready" and bundle.size > 0
    full = client.get(url)
    assert full["Accept-Ranges"] == "bytes"
    whole = b"".join(full.streaming_content)
    assert len(whole) == bundle.size and zipfile.ZipFile(io.BytesIO(whole)).testzip() is None
    assert sorted(zipfile.ZipFile(io.BytesIO(whole)).namelist()) == sorted(zipfile.ZipFile(io.BytesIO(streamed)).namelist())
    part = client.get(url, HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-1099/{bundle.size}"
    assert b"".join(part.streaming_content) == whole[100:1100]
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == whole[-50:]
    resume = client.get(url, HTTP_RANGE=f"bytes={bundle.size - 10}-")
    assert b"".join(resume.streaming_content) == whole[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={bundle.size}-").status_code == 416
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200  # the file changed since: send it whole
    # New evidence makes the stored copy stale: the next download streams the current state again.
    services.add_file(world.enrollment(world.b), "C02", upload_file("新增.pdf", PDF + b"% new"), user=world.sub_b)
    fresh = client.get(url)
    assert "Accept-Ranges" not in fresh
    assert any(n.endswith("新增.pdf") for n in zipfile.ZipFile(io.BytesIO(b"".join(fresh.streaming_content))).namelist())


def test_progress_xlsx(client, world, loaded):
    from pinggu.campaigns import services as cs

    cs.update_unit(world.d, name="=HYPERLINK(\"http://x\")")
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/progress.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    county = wb["县级政府"]
    assert [c.value for c in county[1]][:3] == ["单位", "代码", "状态"] and county[1][8].value == "C01"
    assert county.freeze_panes == "B2" and county.auto_filter.ref
    names = [county.cell(row=r, column=1).value for r in range(2, county.max_row)]
    assert names == ["甲县", "乙县"]
    assert county.cell(row=2, column=9).value == "已填报"
    assert county.cell(row=county.max_row, column=1).value == "合计"
    assert wb["市级部门"].cell(row=2, column=1).value.startswith("'=")  # formula injection escaped
    assert AuditEvent.objects.filter(action="export_progress").exists()


def test_notice_docx(client, world):
    world.campaign.basis = "榆政办函〔2020〕203号"
    world.campaign.issuer = "测试信息化服务中心"
    world.campaign.notice = "各县市区人民政府，市人民政府各工作部门：\n\n请按清单报送印证材料。"
    world.campaign.save()
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/notice.docx")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    for expected in ("测试评估", "榆政办函〔2020〕203号", "各县市区人民政府，市人民政府各工作部门：", "虚构联系人", "0912-5550000",
                     "附件：1. 县级政府评估工作印证材料报送清单", "2. 市级部门评估工作印证材料报送清单", "附件1", "附件2"):
        assert expected in text, expected
    from pinggu.lib.dates import cn_datetime

    assert cn_datetime(world.campaign.deadline) in text
    assert len(document.tables) == 2 and len(document.tables[0].rows) == 37


def test_names():
    assert windows_safe("con.txt") == "_con.txt"
    assert windows_safe("LPT1") == "_LPT1"
    assert windows_safe("a" * 300 + ".docx").endswith(".docx") and len(windows_safe("a" * 300 + ".docx")) == 100
    assert windows_safe("...") == "未命名"
    unique = UniqueNames()
    assert [unique(n) for n in ["报告.pdf", "报告.pdf", "报告.PDF", "报告"]] == ["报告.pdf", "报告 (2).pdf", "报告 (3).PDF", "报告"]


def test_trailing_dots_and_spaces():
    assert windows_safe("报告. ") == "报告"
    assert windows_safe("报告..") == "报告"
    assert windows_safe(" 通知 .txt") == "通知 .txt"


def test_broken_download_leaves_nothing_behind(client, world, loaded, settings):
    import os

    def snapshot():
        found = set()
        for root in (settings.MEDIA_ROOT, settings.FILE_UPLOAD_TEMP_DIR):
            for dirpath, _dirs, files in os.walk(root):
                found |= {os.path.join(dirpath, f) for f in files}
        return found

    before = snapshot()
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/evidence.zip?units=unit-a")
    chunks = iter(response.streaming_content)
    next(chunks)
    next(chunks)
    response.close()  # the client went away mid-download
    assert snapshot() == before


@pytest.mark.both_storages
def test_closing_the_campaign_builds_the_bundle(world, loaded, django_capture_on_commit_callbacks):
    from pinggu.campaigns import services as cs

    with django_capture_on_commit_callbacks(execute=True):
        cs.change_state(world.campaign, "closed", user=world.organizer)
    bundle = Bundle.objects.get(campaign=world.campaign)
    assert bundle.status == "ready" and bundle.file.storage.exists(bundle.file.name)
