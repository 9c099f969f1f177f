"""Backups that restore: `pinggu backup DIR` and `pinggu restore DIR`.

Layout of a backup directory, shared by successive backups:

    DIR/objects/ab/<sha256>        every stored object once, named by its content (incremental)
    DIR/<timestamp>/manifest.json  what this backup holds; manifest.json.sha256 is its own hash
    DIR/<timestamp>/db.sqlite3     SQLite: the online backup API's copy
    DIR/<timestamp>/db.dump        PostgreSQL: pg_dump -Fc

The database is snapshotted first, then exactly the objects its rows name are copied. Uploads taken
meanwhile are safe to ignore: an upload stores its object before its row commits, and evidence is
never overwritten or removed, so every object a snapshot row names still exists when it is copied.
Only rebuildable objects (prebuilt bundles) may vanish in between; the manifest says so and the
restore drops their rows, so the bundle is built again on demand.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections, models, transaction

from pinggu import storage as stored
from pinggu.evidence.orphans import stored_objects

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
CHUNK = 1024 * 1024
# Objects that may be removed while a backup runs (a newer build replaces an old one) and can be built again:
# prebuilt bundles and background result exports.
REBUILDABLE = {"exports.bundle", "exports.exportjob"}
_STAMP = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")
# Refusal to restore over data: its own exit code, so a script can tell it from a broken backup.
EXIT_NOT_EMPTY = 3


class BackupError(Exception):
    """A problem that stops a backup or a restore; the message is for the operator, in Chinese."""

    def __init__(self, message: str, returncode: int = 1):
        super().__init__(message)
        self.returncode = returncode


@dataclass(frozen=True)
class FileColumn:
    """A FileField's column, with the size and SHA-256 columns recorded next to it when the model has them."""

    model: str
    table: str
    column: str
    pk: str
    size: str | None
    sha256: str | None


def file_columns() -> list[FileColumn]:
    """Every FileField of every installed model: the rows that name stored objects."""
    found = []
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                size, sha = fields.get("size"), fields.get("sha256")
                found.append(FileColumn(model._meta.label_lower, model._meta.db_table, str(f.column), str(model._meta.pk.column),
                                        size.column if size else None, sha.column if sha else None))
    return found


@dataclass
class Ref:
    model: str
    key: str
    size: int | None
    sha256: str | None


@dataclass
class Snapshot:
    kind: str
    db_file: str
    migrations: dict[str, list[str]]
    row_counts: dict[str, int]
    refs: list[Ref]


@dataclass
class Stats:
    copied: int = 0
    copied_bytes: int = 0
    present: int = 0
    present_bytes: int = 0
    problems: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _object_path(objects: Path, sha: str) -> Path:
    return objects / sha[:2] / sha


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_snapshot(cursor: Any, tables: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, int], list[Ref]]:
    """Migration state, row counts and the objects named, all read inside the snapshot itself."""
    migrations: dict[str, list[str]] = {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
        counts[table] = cursor.fetchone()[0]
    refs = []
    present = set(counts)
    for col in file_columns():
        if col.table not in present:
            continue
        size = _q(col.size) if col.size else "NULL"
        sha = _q(col.sha256) if col.sha256 else "NULL"
        cursor.execute(f"SELECT {_q(col.column)}, {size}, {sha} FROM {_q(col.table)} "
                       f"WHERE {_q(col.column)} IS NOT NULL AND {_q(col.column)} <> '' ORDER BY {_q(col.pk)}")
        for key, row_size, row_sha in cursor.fetchall():
            refs.append(Ref(col.model, key, row_size, row_sha or None))
    return migrations, counts, refs


# --- PostgreSQL tools --------------------------------------------------------------------

def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for var, value in (("PGHOST", settings_dict.get("HOST")), ("PGPORT", settings_dict.get("PORT")),
                       ("PGUSER", settings_dict.get("USER")), ("PGPASSWORD", settings_dict.get("PASSWORD")),
                       ("PGDATABASE", settings_dict.get("NAME")),
                       ("PGSSLMODE", (settings_dict.get("OPTIONS") or {}).get("sslmode"))):
        if value:
            env[var] = str(value)
    return env


def _major(tool: str) -> int | None:
    try:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> str:
    """The server's pg_dump/pg_restore: PINGGU_PG_BINDIR, Debian's versioned directories, then PATH.

    An older client than the server cannot dump it, so the first candidate of at least the server's
    major version wins.
    """
    candidates: list[str] = []
    if settings.PG_BINDIR:
        candidates.append(str(Path(settings.PG_BINDIR) / name))
    versioned = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    candidates += [str(p) for p in versioned]
    if on_path := shutil.which(name):
        candidates.append(on_path)
    for tool in candidates:
        major = _major(tool)
        if major is not None and major >= server_major:
            return tool
    raise BackupError(f"找不到可用的 {name}（需要 PostgreSQL {server_major} 或更新版本的客户端工具）。"
                      f"请安装 postgresql-client（Debian/Ubuntu：apt install postgresql-client-{server_major}），"
                      f"或用 PINGGU_PG_BINDIR 指定其所在目录。")


# --- Snapshot ----------------------------------------------------------------------------

def _snapshot_sqlite(target: Path) -> Snapshot:
    conn = connections["default"]
    source_path = conn.settings_dict["NAME"]
    if not Path(source_path).exists():
        raise BackupError(f"数据库文件不存在：{source_path}")
    source = sqlite3.connect(source_path, timeout=60)
    dest = sqlite3.connect(target / "db.sqlite3")
    try:
        source.execute("PRAGMA busy_timeout=60000")
        # All pages in one step: a consistent picture under one read transaction; WAL lets writers go on.
        source.backup(dest)
    finally:
        source.close()
    try:
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        tables = [r[0] for r in dest.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        migrations, counts, refs = _read_snapshot(dest.cursor(), tables)
    finally:
        dest.close()
    return Snapshot("sqlite", "db.sqlite3", migrations, counts, refs)


def _snapshot_postgresql(target: Path) -> Snapshot:
    conn = connections["default"]
    conn.ensure_connection()
    server_major = conn.pg_version // 10000  # type: ignore[attr-defined]  # PostgreSQL's wrapper
    pg_dump = pg_tool("pg_dump", server_major)
    with transaction.atomic(), conn.cursor() as cursor:
        # The dump and the reads below see the same snapshot: pg_dump imports the one this transaction exports.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        result = subprocess.run([pg_dump, "-Fc", f"--snapshot={snapshot_id}", "-f", str(target / "db.dump")],
                                env=_pg_env(conn.settings_dict), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败（退出码 {result.returncode}）：{result.stderr.strip()}")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [r[0] for r in cursor.fetchall()]
        migrations, counts, refs = _read_snapshot(cursor, tables)
    return Snapshot("postgresql", "db.dump", migrations, counts, refs)


def _take_snapshot(target: Path) -> Snapshot:
    vendor = connections["default"].vendor
    if vendor == "sqlite":
        return _snapshot_sqlite(target)
    if vendor == "postgresql":
        return _snapshot_postgresql(target)
    raise BackupError(f"不支持备份这种数据库：{vendor}")


# --- Objects -----------------------------------------------------------------------------

def _copy_in(storage: Storage, ref: Ref, objects: Path, stats: Stats) -> dict[str, Any] | None:
    """Put one stored object into the content-addressed store; None when it is gone."""
    if ref.sha256 and ref.size is not None:
        existing = _object_path(objects, ref.sha256)
        # Written only under its hash after the hash was checked, so name and size say it is the same bytes.
        if existing.is_file() and existing.stat().st_size == ref.size:
            stats.present += 1
            stats.present_bytes += ref.size
            return {"key": ref.key, "model": ref.model, "size": ref.size, "sha256": ref.sha256}
    tmpdir = objects / "tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmpdir)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    size = 0
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                for block in stored.read_range(storage, ref.key, chunk=CHUNK):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except Exception:
            if not storage.exists(ref.key):
                return None
            raise
        sha = digest.hexdigest()
        if ref.sha256 and sha != ref.sha256 or ref.size is not None and size != ref.size:
            stats.problems.append(f"{ref.key}：存储中的内容与记录不符（记录 {ref.size} 字节、SHA-256 {ref.sha256}，"
                                  f"实际 {size} 字节、{sha}）")
        dest = _object_path(objects, sha)
        if dest.is_file() and dest.stat().st_size == size:
            stats.present += 1
            stats.present_bytes += size
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
            stats.copied += 1
            stats.copied_bytes += size
        return {"key": ref.key, "model": ref.model, "size": size, "sha256": sha}
    finally:
        tmp.unlink(missing_ok=True)


def _still_named(ref: Ref) -> bool:
    """Whether the live database still has a row naming this object (it may have been replaced since the snapshot)."""
    model = apps.get_model(ref.model)
    for f in model._meta.concrete_fields:
        if isinstance(f, models.FileField) and model._default_manager.filter(**{f.name: ref.key}).exists():
            return True
    return False


# --- Backup ------------------------------------------------------------------------------

def _write_json(path: Path, data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class BackupResult:
    path: Path
    stats: Stats
    objects: int
    vanished: list[str]


def backup(directory: Path, out: TextIO | None = None) -> BackupResult:
    """Snapshot the database, then copy the objects the snapshot names; see the module's docstring."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    objects = directory / OBJECTS
    objects.mkdir(exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"另一个备份正在写入 {directory}，请等它结束后再试") from None
        # Holding the lock: whatever is in tmp/ was left by a backup that was killed.
        shutil.rmtree(objects / "tmp", ignore_errors=True)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
        work = directory / f".{stamp}.partial"
        work.mkdir()
        try:
            snapshot = _take_snapshot(work)
            db_path = work / snapshot.db_file
            storage = default_storage
            stats = Stats()
            entries: list[dict[str, Any]] = []
            vanished: list[dict[str, str]] = []
            for ref in snapshot.refs:
                try:
                    entry = _copy_in(storage, ref, objects, stats)
                except Exception as exc:  # any storage backend's failure: note it, copy the rest
                    stats.problems.append(f"{ref.key}：读取失败：{exc}")
                    continue
                if entry is not None:
                    entries.append(entry)
                elif ref.model in REBUILDABLE and not _still_named(ref):
                    vanished.append({"key": ref.key, "model": ref.model})
                else:
                    stats.problems.append(f"{ref.key}：数据库记录指向的文件不存在（{ref.model}）")
            db_size = db_path.stat().st_size
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "database": {"kind": snapshot.kind, "file": snapshot.db_file, "size": db_size,
                             "sha256": sha256_file(db_path)},
                "storage": "s3" if stored.is_s3(storage) else "local",
                "migrations": snapshot.migrations,
                "row_counts": snapshot.row_counts,
                "objects": entries,
                "vanished": vanished,
                "problems": stats.problems,
            }
            digest = _write_json(work / MANIFEST, manifest)
            (work / f"{MANIFEST}.sha256").write_text(f"{digest}  {MANIFEST}\n", encoding="utf-8")
            final = directory / stamp
            os.sync()  # the objects and the dump on disk before the backup is named complete
            os.replace(work, final)
            _fsync_dir(directory)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    if out is not None:
        out.write(f"备份已写入 {final}\n"
                  f"数据库（{snapshot.kind}）：{db_size} 字节，{sum(snapshot.row_counts.values())} 行\n"
                  f"文件：共 {len(entries)} 个；新复制 {stats.copied} 个（{stats.copied_bytes} 字节），"
                  f"已在备份中 {stats.present} 个（{stats.present_bytes} 字节）\n")
        if vanished:
            out.write(f"快照后被替换的可重建文件 {len(vanished)} 个（恢复时删除其记录，需要时重新生成）\n")
    return BackupResult(final, stats, len(entries), [v["key"] for v in vanished])


# --- Restore -----------------------------------------------------------------------------

def backups(directory: Path) -> list[Path]:
    """The complete backups in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _STAMP.match(p.name) and (p / MANIFEST).is_file())


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest of backup `path`, after checking it against its own recorded hash."""
    text = (path / MANIFEST).read_bytes()
    try:
        recorded = (path / f"{MANIFEST}.sha256").read_text(encoding="utf-8").split()[0]
    except (FileNotFoundError, IndexError):
        raise BackupError(f"备份 {path.name} 缺少清单的校验值 {MANIFEST}.sha256") from None
    if hashlib.sha256(text).hexdigest() != recorded:
        raise BackupError(f"备份 {path.name} 的清单已损坏（SHA-256 与记录不符）")
    manifest = json.loads(text)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    return manifest


def _any_object(storage: Storage) -> str | None:
    if stored.is_s3(storage):
        for obj in storage.bucket.objects.filter(Prefix=storage._normalize_name("")).limit(1):
            return obj.key
        return None
    for name, _size, _mtime in stored_objects(storage, ""):
        return name
    return None


def refuse_non_empty() -> None:
    """Restore only into an instance with no people, no campaigns and no stored objects."""
    from pinggu.accounts.models import User
    from pinggu.campaigns.models import Campaign

    conn = connections["default"]
    stored.ensure_bucket(default_storage)  # a new instance's bucket may not exist yet: then it is empty
    tables = set(conn.introspection.table_names())
    for model, what in ((User, "用户"), (Campaign, "评估任务")):
        if model._meta.db_table in tables and model.objects.exists():
            raise BackupError(f"目标实例不是空的：数据库中已有{what}。恢复只能在全新的空实例上进行，"
                              f"以免覆盖现有数据；请换一个新的数据目录或新的空数据库后再试。", EXIT_NOT_EMPTY)
    if (name := _any_object(default_storage)) is not None:
        raise BackupError(f"目标实例不是空的：存储中已有文件（例如 {name}）。恢复只能在全新的空实例上进行，"
                          f"请换一个新的数据目录或空的存储桶后再试。", EXIT_NOT_EMPTY)


def _verify_backup(path: Path, manifest: dict[str, Any], objects: Path) -> None:
    """Every byte of the backup checked before anything in the instance is touched."""
    db = manifest["database"]
    if sha256_file(path / db["file"]) != db["sha256"]:
        raise BackupError(f"备份 {path.name} 的数据库文件已损坏（SHA-256 与清单不符）")
    bad = []
    for entry in manifest["objects"]:
        obj = _object_path(objects, entry["sha256"])
        if not obj.is_file():
            bad.append(f"{entry['key']}：备份中缺少 {obj}")
        elif sha256_file(obj) != entry["sha256"]:
            bad.append(f"{entry['key']}：备份中的 {obj} 已损坏")
    if bad:
        raise BackupError("备份不完整，未做任何恢复：\n" + "\n".join(bad[:50]))


def _restore_sqlite(source: Path) -> None:
    conn = connections["default"]
    target = Path(conn.settings_dict["NAME"])
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".sqlite3")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as fh:
            shutil.copyfileobj(fh, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        check = sqlite3.connect(tmp)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份的数据库文件未通过 SQLite 完整性检查")
        finally:
            check.close()
        # The empty instance's journal belongs to the file being replaced.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _restore_postgresql(source: Path) -> None:
    conn = connections["default"]
    conn.ensure_connection()
    pg_restore = pg_tool("pg_restore", conn.pg_version // 10000)  # type: ignore[attr-defined]
    env = _pg_env(conn.settings_dict)
    # The instance was found empty (no people, no campaigns), but `pinggu migrate` may have created tables,
    # some perhaps newer than the backup: pg_restore --clean drops only what the dump has, and a newer
    # table's foreign keys would stop it. So every table goes first.
    with conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [row[0] for row in cursor.fetchall()]
        if tables:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(_q(t) for t in tables) + " CASCADE")
    connections.close_all()
    # --clean drops the rest (the audit log's trigger functions); one transaction: all or nothing.
    result = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                             "--exit-on-error", "-d", env.get("PGDATABASE", ""), str(source)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败（退出码 {result.returncode}）：{result.stderr.strip()}")


def _put(storage: Storage, key: str, source: Path, sha: str) -> str | None:
    """Store one object under its original key and read it back; a problem's description, or None."""
    with open(source, "rb") as fh:
        saved = storage.save(key, File(fh, name=key))
    if saved != key:
        return f"{key}：存储把文件保存成了 {saved}"
    digest = hashlib.sha256()
    for block in stored.read_range(storage, key, chunk=CHUNK):
        digest.update(block)
    if digest.hexdigest() != sha:
        return f"{key}：写入存储后读回的内容与备份不符"
    return None


@dataclass
class RestoreResult:
    path: Path
    objects: int
    bytes: int
    problems: list[str]
    migrate_needed: bool


def restore(directory: Path, stamp: str | None = None, out: TextIO | None = None) -> RestoreResult:
    directory = Path(directory).resolve()
    found = backups(directory)
    if stamp:
        path = directory / stamp
        if path not in found:
            raise BackupError(f"{directory} 中没有名为 {stamp} 的完整备份")
    elif not found:
        raise BackupError(f"{directory} 中没有完整的备份")
    else:
        path = found[-1]
    manifest = load_manifest(path)
    kind = manifest["database"]["kind"]
    vendor = connections["default"].vendor
    if kind != vendor:
        raise BackupError(f"这是 {kind} 数据库的备份，而本实例使用 {vendor}；请在相同类型的数据库上恢复")
    refuse_non_empty()
    objects = directory / OBJECTS
    _verify_backup(path, manifest, objects)
    if out is not None:
        out.write(f"正在恢复备份 {path.name}（{manifest['created_at']}）\n")
    if kind == "sqlite":
        _restore_sqlite(path / manifest["database"]["file"])
    else:
        _restore_postgresql(path / manifest["database"]["file"])
    problems = list(manifest.get("problems", []))
    storage = default_storage
    total = 0
    for entry in manifest["objects"]:
        try:
            problem = _put(storage, entry["key"], _object_path(objects, entry["sha256"]), entry["sha256"])
        except Exception as exc:  # any storage backend's failure: report it and go on with the others
            problem = f"{entry['key']}：写入存储失败：{exc}"
        if problem:
            problems.append(problem)
        else:
            total += entry["size"]
    _drop_vanished(manifest.get("vanished", []))
    migrate_needed = _unapplied(manifest["migrations"])
    connections.close_all()
    if out is not None:
        out.write(f"已恢复数据库和 {len(manifest['objects'])} 个文件（{total} 字节），每个文件的 SHA-256 均已核对\n")
        if migrate_needed:
            out.write("备份来自较早的版本：请运行 `pinggu migrate` 后再启动服务\n")
    return RestoreResult(path, len(manifest["objects"]), total, problems, migrate_needed)


def _drop_vanished(vanished: list[dict[str, str]]) -> None:
    for item in vanished:
        if item["model"] not in REBUILDABLE:
            continue
        model = apps.get_model(item["model"])
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                model._default_manager.filter(**{f.name: item["key"]}).delete()


def _unapplied(recorded: dict[str, list[str]]) -> bool:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {(app, name) for app, names in recorded.items() for name in names}
    return any(key not in applied for key in loader.disk_migrations)

