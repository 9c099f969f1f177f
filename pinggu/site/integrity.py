"""`pinggu check`: does every row's stored object exist with its recorded size and hash, and is every object someone's?

Objects are listed before the rows are read: an upload stores its object first and commits its row
after, so an object listed here whose row commits meanwhile is at worst reported as a young orphan,
never removed (only orphans older than ORPHAN_FILE_MIN_AGE are, and each is asked about once more).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connection, models

from pinggu import storage as stored
from pinggu.accounts.audit import record
from pinggu.evidence.orphans import stored_objects

log = logging.getLogger(__name__)

# The prefixes Pinggu stores row-backed objects under (evidence uploads, prebuilt bundles, background exports).
PREFIXES = ("evidence/", "bundles/", "exports/")


@dataclass
class Orphan:
    key: str
    size: int
    age: float

    @property
    def old(self) -> bool:
        return self.age >= settings.ORPHAN_FILE_MIN_AGE.total_seconds()


@dataclass
class Report:
    rows: int = 0
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        # A young orphan may be an upload whose row is about to commit: listed, not a failure.
        return not (self.missing or self.wrong or self.failed or any(o.old and o.key not in self.removed for o in self.orphans))


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [(model, f) for model in apps.get_models() for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _sha256(storage: Storage, key: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for block in stored.read_range(storage, key, chunk=1024 * 1024):  # streamed: bounded memory at any size
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def _named(key: str) -> bool:
    return any(model._default_manager.filter(**{f.name: key}).exists() for model, f in _file_fields())


def migrated() -> bool:
    """Whether the tables the check reads exist (a new instance before `pinggu migrate` has nothing to check)."""
    tables = set(connection.introspection.table_names())
    return all(model._meta.db_table in tables for model, _f in _file_fields())


def check(*, repair: bool = False) -> Report:
    storage = default_storage
    now = time.time()
    listed: dict[str, tuple[int, float]] = {}
    for prefix in PREFIXES:
        for key, size, mtime in stored_objects(storage, prefix):
            listed[key] = (size, mtime)
    report = Report()
    named: set[str] = set()
    for model, f in _file_fields():
        has = {x.name for x in model._meta.concrete_fields}
        columns = ["pk", f.name] + [c for c in ("size", "sha256") if c in has]
        rows = model._default_manager.exclude(**{f.name: ""}).exclude(**{f"{f.name}__isnull": True}).values_list(*columns)
        for row in rows.iterator(chunk_size=500):
            values = dict(zip(columns, row))
            key = values[f.name]
            named.add(key)
            report.rows += 1
            label = f"{model._meta.label_lower} #{values['pk']} {key}"
            if key not in listed and not storage.exists(key):
                report.missing.append(label)
                continue
            recorded_size, recorded_sha = values.get("size"), values.get("sha256")
            if recorded_sha:
                try:
                    size, sha = _sha256(storage, key)
                except Exception as exc:  # any backend's read failure is this object's problem, not the run's
                    report.wrong.append(f"{label}：读取失败：{exc}")
                    continue
                if size != recorded_size or sha != recorded_sha:
                    report.wrong.append(f"{label}：记录 {recorded_size} 字节、SHA-256 {recorded_sha}；实际 {size} 字节、{sha}")
            elif recorded_size is not None:
                size = listed[key][0] if key in listed else storage.size(key)
                if size != recorded_size:
                    report.wrong.append(f"{label}：记录 {recorded_size} 字节，实际 {size} 字节")
    for key, (size, mtime) in sorted(listed.items()):
        if key not in named:
            report.orphans.append(Orphan(key, size, now - mtime))
    if repair:
        _repair(storage, report)
    return report


def _repair(storage: Storage, report: Report) -> None:
    """Remove orphans older than ORPHAN_FILE_MIN_AGE, each asked about once more just before; never a named or young one."""
    for orphan in report.orphans:
        if not orphan.old or _named(orphan.key):
            continue
        try:
            storage.delete(orphan.key)
        except Exception as exc:  # any backend's failure: keep going with the others
            report.failed.append(f"{orphan.key}：删除失败：{exc}")
            continue
        log.warning("已删除超过 %s 仍无数据库记录的文件 %s（%d 字节）", settings.ORPHAN_FILE_MIN_AGE, orphan.key, orphan.size)
        record("orphan_remove", key=orphan.key, size=orphan.size, age_hours=round(orphan.age / 3600, 1), username="pinggu check")
        report.removed.append(orphan.key)
