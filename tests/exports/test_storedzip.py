"""The ZIP writer behind the evidence bundle: what it streams is what its length said, and ZIP readers accept it."""

import io
import os
import shutil
import subprocess
import zipfile
import zlib

import pytest

from pinggu.lib.storedzip import StoredZip

BIG = os.urandom(3 * 1024 * 1024 + 17)


def chunked(data, size=1024 * 1024):
    return lambda: (data[i:i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("force_zip64", [False, True])
def test_members_with_and_without_a_recorded_crc(tmp_path, force_zip64):
    zs = StoredZip(force_zip64=force_zip64)
    zs.add_bytes("manifest.csv", "单位,文件\r\n".encode())
    zs.add("甲县/C01 制度/文件.pdf", size=len(BIG), crc=zlib.crc32(BIG), chunks=chunked(BIG))
    zs.add("乙县/旧记录.pdf", size=len(BIG), crc=None, chunks=chunked(BIG, 4096))  # a row from before CRCs were recorded
    zs.add("空.txt", size=0, crc=0, chunks=lambda: ())
    length = len(zs)
    body = b"".join(zs)
    assert length == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    assert archive.read("甲县/C01 制度/文件.pdf") == BIG == archive.read("乙县/旧记录.pdf")
    assert archive.read("空.txt") == b""
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED and info.flag_bits & 0x800
    if shutil.which("unzip"):
        path = tmp_path / "b.zip"
        path.write_bytes(body)
        assert subprocess.run(["unzip", "-tq", str(path)], capture_output=True).returncode == 0


def test_a_wrong_recorded_crc_is_caught_by_readers():
    """The recorded CRC is trusted, not recomputed: a file changed in storage shows up as a CRC error on extraction."""
    zs = StoredZip()
    zs.add("a.pdf", size=len(BIG), crc=zlib.crc32(BIG) ^ 1, chunks=chunked(BIG))
    assert zipfile.ZipFile(io.BytesIO(b"".join(zs))).testzip() == "a.pdf"


@pytest.mark.parametrize("short", [True, False])
def test_bytes_that_do_not_match_the_recorded_size_stop_the_stream(short):
    zs = StoredZip()
    data = BIG[:-1] if short else BIG + b"x"
    zs.add("a.pdf", size=len(BIG), crc=zlib.crc32(BIG), chunks=chunked(data))
    with pytest.raises(RuntimeError, match="recorded"):
        b"".join(zs)
