"""Upload temp files left by killed workers are swept; nothing else in the directory is touched."""

import os
import time
from datetime import timedelta

from pinggu.site.sweeps import sweep_temp_files


def _age(path, hours):
    past = time.time() - hours * 3600
    os.utime(path, (past, past), follow_symlinks=False)


def test_only_stale_regular_files_are_removed(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    temp = settings.FILE_UPLOAD_TEMP_DIR
    temp.mkdir()
    old, fresh = temp / "old.upload", temp / "fresh.upload"
    old.write_bytes(b"x" * 100)
    fresh.write_bytes(b"y")
    _age(old, 7)
    outside = tmp_path / "precious"
    outside.write_bytes(b"keep")
    _age(outside, 100)
    (temp / "link").symlink_to(outside)
    _age(temp / "link", 100)
    (temp / "subdir").mkdir()
    (temp / "subdir" / "inner").write_bytes(b"z")
    _age(temp / "subdir" / "inner", 100)
    _age(temp / "subdir", 100)

    removed = sweep_temp_files()

    assert removed == [old]
    assert not old.exists() and fresh.exists()
    assert outside.read_bytes() == b"keep" and (temp / "link").is_symlink()
    assert (temp / "subdir" / "inner").exists()


def test_age_is_configurable(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    two_hours = tmp_path / "a"
    two_hours.write_bytes(b"a")
    _age(two_hours, 2)
    assert sweep_temp_files() == []
    settings.TEMP_FILE_MAX_AGE = timedelta(hours=1)
    assert sweep_temp_files() == [two_hours]


def test_a_missing_directory_is_not_an_error(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "nowhere"
    assert sweep_temp_files() == []
