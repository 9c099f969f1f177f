"""Stored evidence files without a database row.

`discard_stored` is for error paths, where the database may be the thing that failed (a full disk):
it never queries it. What it cannot remove is listed in DATA_DIR/orphans.txt, and `sweep_orphans`
finishes the job once the database answers again.
"""

import fcntl
import logging
import os
import stat
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from pinggu import storage as stored

from .models import Evidence

log = logging.getLogger(__name__)

BATCH = 500


def _storage():
    return Evidence._meta.get_field("file").storage


def _list_path() -> Path:
    return Path(settings.ORPHANS_LIST)


def discard_stored(name: str) -> None:
    """Remove the stored object `name` without touching the database; if that fails, list it for `sweep_orphans`."""
    try:
        _storage().delete(name)
        return
    except Exception as exc:  # any storage backend's failure: this runs inside another error's handler
        log.error("无法删除未登记的材料文件 %s：%s；已记入待清理清单", name, exc)
    if "\n" in name:
        log.error("文件名含换行，无法记入待清理清单：%r", name)
        return
    try:
        with open(_list_path(), "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(name + "\n")
    except OSError as exc:
        # Still not lost: sweep_orphans also finds unreferenced files by walking the storage.
        log.error("无法写入待清理清单 %s：%s", _list_path(), exc)


def _referenced(names: list[str]) -> set[str]:
    # Every row counts, deleted ones too: a soft-deleted file can still be restored.
    found: set[str] = set()
    for start in range(0, len(names), BATCH):
        found.update(Evidence.objects.filter(file__in=names[start:start + BATCH]).values_list("file", flat=True))
    return found


def _sweep_list() -> list[str]:
    path = _list_path()
    if not path.exists():
        return []
    removed = []
    with open(path, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # discard_stored appends under the same lock
        names = list(dict.fromkeys(line.strip() for line in fh if line.strip()))
        referenced = _referenced(names)  # a database error leaves the list as it was
        keep = []
        for name in names:
            if name in referenced:
                log.warning("待清理清单中的 %s 有数据库记录，保留该文件", name)
                continue
            try:
                _storage().delete(name)
            except Exception as exc:
                log.error("仍无法删除未登记的材料文件 %s：%s", name, exc)
                keep.append(name)
                continue
            log.warning("已删除未登记的材料文件 %s", name)
            removed.append(name)
        fh.seek(0)
        fh.truncate()
        fh.writelines(name + "\n" for name in keep)
    # The emptied list stays: unlinking it would lose a name appended by a discard_stored that
    # opened the file before the unlink and is waiting for the lock.
    return removed


def stored_objects(storage, prefix: str) -> Iterator[tuple[str, int, float]]:
    """Every stored object whose name starts with `prefix`: (name, size, last modified as a timestamp).

    On local disk, regular files only (links and directories left alone, never followed); on S3, one
    listing request per thousand objects. `pinggu check` and the sweeps below share this walk.
    """
    if stored.is_s3(storage):
        strip = len(storage._normalize_name(""))
        for obj in storage.bucket.objects.filter(Prefix=storage._normalize_name(prefix)):
            yield obj.key[strip:].lstrip("/"), obj.size, obj.last_modified.timestamp()
        return
    root = Path(storage.location)
    top = root / prefix
    for dirpath, _dirs, files in os.walk(top):  # never follows links to directories
        for filename in files:
            full = Path(dirpath) / filename
            try:
                info = full.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                yield full.relative_to(root).as_posix(), info.st_size, info.st_mtime


def _old_objects(storage, oldest: float, cutoff: float) -> dict[str, None]:
    """Evidence objects last written in [oldest, cutoff)."""
    return {name: None for name, _size, mtime in stored_objects(storage, "evidence/") if oldest <= mtime < cutoff}


def _sweep_unreferenced(min_age: timedelta, window: timedelta | None) -> list[str]:
    storage = _storage()
    if stored.is_s3(storage):
        return _sweep_unreferenced_s3(storage, min_age, window)
    root = Path(storage.location)
    cutoff = time.time() - min_age.total_seconds()
    # Only files that became old enough since the last sweeps need the database asked about them;
    # a full pass (window None) runs at start, when earlier sweeps may have been missed.
    oldest = cutoff - window.total_seconds() if window is not None else float("-inf")
    # A day's margin: an upload stores its file before the row is committed, and a crashed
    # request's file is only certain to be an orphan once no request can still be running.
    old = {name: root / name for name, _size, mtime in stored_objects(storage, "evidence/") if oldest <= mtime < cutoff}
    if not old:
        return []
    referenced = _referenced(list(old))
    removed = []
    for name, full in old.items():
        if name in referenced:
            continue
        try:
            full.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.error("无法删除未登记的材料文件 %s：%s", name, exc)
            continue
        log.warning("已删除超过 %s 仍未登记的材料文件 %s", min_age, name)
        removed.append(name)
    return removed


def sweep_orphans(min_age: timedelta | None = None, window: timedelta | None = None) -> list[str]:
    """Remove listed and unreferenced evidence files (never one that has a row); return their storage names.

    With `window`, only files that reached `min_age` within that window are considered (the periodic
    sweep); without, every old file is (the sweep at start).
    """
    removed = _sweep_list()
    removed += _sweep_unreferenced(min_age or settings.ORPHAN_FILE_MIN_AGE, window)
    return removed


def _sweep_unreferenced_s3(storage, min_age: timedelta, window: timedelta | None) -> list[str]:
    """The same sweep on object storage, from the bucket listing's last-modified times."""
    cutoff = time.time() - min_age.total_seconds()
    oldest = cutoff - window.total_seconds() if window is not None else float("-inf")
    old = _old_objects(storage, oldest, cutoff)
    if not old:
        return []
    referenced = _referenced(list(old))
    removed = []
    for name in old:
        if name in referenced:
            continue
        try:
            storage.delete(name)
        except Exception as exc:  # botocore's errors: keep sweeping the others
            log.error("无法删除未登记的材料文件 %s：%s", name, exc)
            continue
        log.warning("已删除超过 %s 仍未登记的材料文件 %s", min_age, name)
        removed.append(name)
    return removed
