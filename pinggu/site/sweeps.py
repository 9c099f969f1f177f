"""Leftovers of crashed processes: stale upload temp files, evidence files that never got their row, and
expired or abandoned resumable uploads (their partial files under UPLOADS_DIR).

Run at the start of `pinggu serve` and `pinggu worker`, and periodically by the worker.
"""

import logging
import os
import stat
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)


def sweep_temp_files(directory: Path | None = None, max_age: timedelta | None = None) -> list[Path]:
    """Remove regular files in the upload temp directory not modified for `max_age`; return what was removed.

    A live upload keeps writing to its temp file, so its modification time stays fresh; only files of
    workers killed mid-request grow old. Links and directories are left alone: the directory is ours,
    anything else in it was put there by someone on purpose.
    """
    directory = Path(directory or settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = time.time() - (max_age or settings.TEMP_FILE_MAX_AGE).total_seconds()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
                continue
            os.unlink(entry.path)
        except FileNotFoundError:
            continue  # another sweeper, or the upload finished just now
        except OSError as exc:
            log.warning("无法删除过期的上传临时文件 %s：%s", entry.path, exc)
            continue
        log.warning("已删除过期的上传临时文件 %s（%d 字节，最后修改于 %s）", entry.path, info.st_size,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.st_mtime)))
        removed.append(Path(entry.path))
    return removed


def run_sweeps(*, periodic: bool = False) -> None:
    """Every sweep, each on its own: a broken database must not stop the temp files from going.

    The periodic sweep asks the database only about evidence files that turned old enough since the
    sweep before last (two intervals, so one late run misses nothing); the sweep at start asks about all.
    """
    from pinggu.evidence.orphans import sweep_orphans
    from pinggu.evidence.resumable import sweep_uploads

    window = 2 * settings.SWEEP_INTERVAL if periodic else None
    for sweep in (sweep_temp_files, lambda: sweep_orphans(window=window), sweep_uploads):
        try:
            sweep()
        except Exception:
            log.exception("清理遗留文件失败，下次再试")
    # The caller is a long-lived supervisor or the worker's timer thread, not a request: nothing
    # else closes the connection this thread opened.
    connections.close_all()
