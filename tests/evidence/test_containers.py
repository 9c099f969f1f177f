"""Office and OFD packages are checked from their ZIP directory without reading all of it."""

import csv
import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files import File
from openpyxl import load_workbook

from pinggu.evidence import filetypes, services
from pinggu.evidence.models import Evidence
from pinggu.lib import zipdir

from ..conftest import upload_file

pytestmark = pytest.mark.django_db

_LOCAL = "<4s5H3L2H"
_CENTRAL = "<4s4B4HL2L5H2L"


def _central(name: bytes, offset: int = 0, compressed: int = 0, size: int = 0) -> bytes:
    return struct.pack(_CENTRAL, b"PK\x01\x02", 20, 0, 20, 0, 0, 0, 0, 0, 0, compressed, size,
                       len(name), 0, 0, 0, 0, 0, offset) + name


def write_crowded_package(fileobj, count: int, *, declared_count: int | None = None) -> None:
    """A well-formed ZIP64 directory of `count` entries; all but the first share one tiny name."""
    first = b"[Content_Types].xml"
    fileobj.write(struct.pack(_LOCAL, b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(first), 0) + first)
    start = fileobj.tell()
    fileobj.write(_central(first))
    chunk = _central(b"word/a.xml") * 100_000
    left = count - 1
    while left:
        n = min(left, 100_000)
        fileobj.write(chunk if n == 100_000 else chunk[: n * len(_central(b"word/a.xml"))])
        left -= n
    end = fileobj.tell()
    declared = count if declared_count is None else declared_count
    fileobj.write(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared, end - start, start))
    fileobj.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1))
    fileobj.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def _add(world, upload):
    return services.add_file(world.enrollment(world.a), "C01", upload, user=world.sub_a)


@pytest.mark.parametrize("declared_count", [None, 5])  # the record may lie about the count
def test_two_million_entries_refused_quickly_in_little_memory(world, tmp_path, declared_count):
    path = tmp_path / "crowded.docx"
    with open(path, "wb") as f:
        write_crowded_package(f, 2_000_000, declared_count=declared_count)
    assert path.stat().st_size > 90 * 1024 * 1024
    world.campaign.max_file_bytes = 200 * 1024 * 1024
    world.campaign.save()
    with open(path, "rb") as f:
        upload = File(f, name="台账.docx")
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(services.EvidenceError) as refused:
                _add(world, upload)
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert refused.value.code == "too_many_entries"
    assert "10000" in str(refused.value) or "10,000" in str(refused.value) or "10 000" in str(refused.value)
    assert elapsed < 1, elapsed
    assert peak < 50 * 1024 * 1024, peak
    assert not Evidence.objects.exists()
    at_limit = io.BytesIO()
    write_crowded_package(at_limit, zipdir.MAX_ENTRIES)
    evidence, created = _add(world, upload_file("大报告.docx", at_limit.getvalue()))
    assert created and evidence.file_type == "docx"


def _package(names, **extra):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            z.writestr(name, "<x/>")
        for name, data in extra.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_ofd_checked_from_the_directory(world):
    assert _add(world, upload_file("公文.ofd", _package(["OFD.xml", "Doc_0/Document.xml"])))[1]
    with pytest.raises(services.EvidenceError) as refused:
        _add(world, upload_file("伪装.ofd", _package(["readme.txt"])))
    assert refused.value.code == "content_mismatch"
    buffer = io.BytesIO()
    write_crowded_package(buffer, 70_000)
    with pytest.raises(services.EvidenceError) as crowded:
        _add(world, upload_file("拥挤.ofd", buffer.getvalue()))
    assert crowded.value.code == "too_many_entries"


HONEST = _package(["[Content_Types].xml", "word/document.xml"], **{"word/body.xml": "政务公开" * 2000})


def declared_bomb() -> bytes:
    """A directory claiming 4 GB from a few hundred bytes: no deflate stream expands that far."""
    first = b"[Content_Types].xml"
    local = struct.pack(_LOCAL, b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(first), 0) + first
    directory = _central(first) + _central(b"word/document.xml", compressed=100, size=0xFFFFFFFE)
    return local + directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(directory), len(local), 0)


def test_declared_expansion_ratio():
    assert not zipdir.inspect_package(io.BytesIO(HONEST)).suspicious_ratio
    bomb = io.BytesIO(declared_bomb())
    summary = zipdir.inspect_package(bomb)
    assert summary.suspicious_ratio and summary.ratio > 1000
    assert filetypes.identify("炸弹.docx", bomb) == ("docx", None)  # accepted: it is never unpacked here


def test_suspected_bomb_flagged_in_the_manifest(client, world):
    _add(world, upload_file("炸弹.docx", declared_bomb()))
    _add(world, upload_file("正常.docx", HONEST))
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/evidence.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert rows[0][-1] == "提示"
    warnings = {row[4]: row[-1] for row in rows[1:]}
    assert "压缩炸弹" in warnings["炸弹.docx"] and warnings["正常.docx"] == ""
    xlsx = load_workbook(io.BytesIO(archive.read("manifest.xlsx"))).active
    assert [c.value for c in next(xlsx.iter_rows(max_row=1))][-1] == "提示"
