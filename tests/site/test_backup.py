"""Issue 11 §4: `pinggu backup` and `pinggu restore` round trips on SQLite and PostgreSQL, local disk and S3.

The instance being backed up is the test database (committed rows: transactional tests); every restore
goes into a fresh instance run as a real `pinggu` process with its own data directory, database and bucket.
"""

import hashlib
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pinggu.evidence import services
from pinggu.evidence.models import Evidence
from pinggu.site import backup

from ..conftest import PDF, upload_file

PINGGU = [sys.executable, "-m", "pinggu"]
pytestmark = pytest.mark.django_db(transaction=True)


def pdf(tag: str) -> bytes:
    return PDF + f"% {tag} {uuid.uuid4().hex}\n".encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Target:
    """A fresh, empty instance to restore into: a new data directory, and a new database/bucket when asked."""

    def __init__(self, tmp_path: Path, *, s3: str | None = None, pg_url: str | None = None):
        self.data_dir = tmp_path / f"restored-{uuid.uuid4().hex[:6]}"
        self.env = {**os.environ, "PINGGU_DATA_DIR": str(self.data_dir)}
        for name in ("PINGGU_DATABASE_URL", "PINGGU_STORAGE", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(name, None)
        self.bucket = None
        self.s3 = s3
        if s3:
            self.bucket = f"pinggu-restore-{uuid.uuid4().hex[:8]}"
            self.env.update({"PINGGU_STORAGE": "s3", "PINGGU_S3_ENDPOINT_URL": s3, "PINGGU_S3_BUCKET": self.bucket,
                             "PINGGU_S3_ACCESS_KEY": "testing", "PINGGU_S3_SECRET_KEY": "testing",
                             "PINGGU_S3_REGION": "us-east-1"})
        self.pg_url = pg_url
        if pg_url:
            self.env["PINGGU_DATABASE_URL"] = pg_url

    def run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*PINGGU, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def object_bytes(self, key: str) -> bytes:
        if self.s3:
            client = boto3.client("s3", endpoint_url=self.s3, aws_access_key_id="testing", aws_secret_access_key="testing",
                                  region_name="us-east-1")
            return client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return (self.data_dir / "files" / key).read_bytes()

    def row_counts(self, tables) -> dict[str, int]:
        if self.pg_url:
            import psycopg

            with psycopg.connect(self.pg_url) as conn:
                return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        with sqlite3.connect(self.data_dir / "pinggu.sqlite3") as conn:
            return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}

    def empty(self) -> bool:
        """No table at all: nothing was restored."""
        if self.pg_url:
            import psycopg

            with psycopg.connect(self.pg_url) as conn:
                return conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        return no_tables(self.data_dir / "pinggu.sqlite3")

    def evidence_hashes(self) -> set[str]:
        query = "SELECT sha256 FROM evidence_evidence WHERE file <> ''"
        if self.pg_url:
            import psycopg

            with psycopg.connect(self.pg_url) as conn:
                return {r[0] for r in conn.execute(query)}
        with sqlite3.connect(self.data_dir / "pinggu.sqlite3") as conn:
            return {r[0] for r in conn.execute(query)}


def no_tables(path: Path) -> bool:
    if not path.exists():
        return True
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def verify_restored(target: Target, manifest: dict) -> None:
    """Every object of the manifest at its key with its hash, every row count as in the snapshot, and `pinggu check` clean."""
    for entry in manifest["objects"]:
        assert sha(target.object_bytes(entry["key"])) == entry["sha256"], entry["key"]
    counts = manifest["row_counts"]
    assert target.row_counts(counts) == counts
    checked = target.run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "存储核对通过" in checked.stdout


@pytest.mark.both_storages
def test_round_trip_into_the_other_kind_of_storage(world, tmp_path, _storage_backend, s3_server, fresh_pg):
    contents = [pdf(f"a{i}") for i in range(3)]
    items = [services.add_file(world.enrollment(world.a), code, upload_file(f"{code}.pdf", data), user=world.sub_a)[0]
             for code, data in zip(("C01", "C02", "C03"), contents)]
    services.delete(items[2], user=world.sub_a)  # a soft-deleted file can still be restored, so it is backed up too
    result = backup.backup(tmp_path / "backups")
    assert result.stats.problems == [] and result.objects == 3
    manifest = backup.load_manifest(result.path)
    assert manifest["database"]["kind"] == connection.vendor
    assert manifest["storage"] == _storage_backend
    assert {e["sha256"] for e in manifest["objects"]} == {sha(c) for c in contents}
    assert "0001_initial" in manifest["migrations"]["evidence"]
    assert manifest["row_counts"]["evidence_evidence"] == 3

    # A backup of local files restores into object storage, and one of object storage onto local disk.
    target = Target(tmp_path, s3=s3_server if _storage_backend == "local" else None, pg_url=fresh_pg() if fresh_pg else None)
    restored = target.run("restore", str(tmp_path / "backups"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "SHA-256" in restored.stdout
    verify_restored(target, manifest)
    assert target.evidence_hashes() == {sha(c) for c in contents}


def test_incremental_copies_only_new_objects_and_restores_the_chosen_backup(world, tmp_path, fresh_pg):
    directory = tmp_path / "backups"
    for code in ("C01", "C02"):
        services.add_file(world.enrollment(world.a), code, upload_file(f"{code}.pdf", pdf(code)), user=world.sub_a)
    first = backup.backup(directory)
    assert (first.stats.copied, first.stats.present) == (2, 0)
    second = backup.backup(directory)
    assert (second.stats.copied, second.stats.copied_bytes, second.stats.present) == (0, 0, 2)
    newest = pdf("C03")
    services.add_file(world.enrollment(world.b), "C03", upload_file("C03.pdf", newest), user=world.sub_b)
    third = backup.backup(directory)
    assert (third.stats.copied, third.stats.copied_bytes, third.stats.present) == (1, len(newest), 2)
    stored = [p for p in (directory / "objects").rglob("*") if p.is_file()]
    assert len(stored) == 3 and all(sha(p.read_bytes()) == p.name for p in stored)
    assert backup.backups(directory) == [first.path, second.path, third.path]

    # The summary the command prints, and an earlier backup chosen by its name.
    target = Target(tmp_path, pg_url=fresh_pg() if fresh_pg else None)
    restored = target.run("restore", str(directory), "--backup", first.path.name)
    assert restored.returncode == 0, restored.stderr
    assert len(target.evidence_hashes()) == 2
    verify_restored(target, backup.load_manifest(first.path))


def test_backup_command_prints_the_summary(world, tmp_path):
    services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", pdf("x")), user=world.sub_a)
    from io import StringIO

    out = StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out)
    assert "新复制 1 个" in out.getvalue() and "已在备份中 0 个" in out.getvalue()
    out = StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out)
    assert "新复制 0 个（0 字节）" in out.getvalue() and "已在备份中 1 个" in out.getvalue()


def test_a_missing_object_fails_the_backup(world, tmp_path, settings):
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", pdf("gone")), user=world.sub_a)
    item.file.storage.delete(item.file.name)
    with pytest.raises(CommandError) as raised:
        call_command("backup", str(tmp_path / "b"))
    assert "1 个问题" in str(raised.value)


def test_restore_refuses_a_non_empty_instance(world, tmp_path):
    services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", pdf("x")), user=world.sub_a)
    directory = tmp_path / "backups"
    backup.backup(directory)
    count = Evidence.objects.count()
    # This instance has people and campaigns.
    with pytest.raises(CommandError) as raised:
        call_command("restore", str(directory))
    assert raised.value.returncode == backup.EXIT_NOT_EMPTY and "不是空的" in str(raised.value)
    assert Evidence.objects.count() == count
    # A fresh database, but a file already in its storage.
    if connection.vendor == "sqlite":
        target = Target(tmp_path)
        (target.data_dir / "files" / "evidence").mkdir(parents=True)
        (target.data_dir / "files" / "evidence" / "stray.pdf").write_bytes(PDF)
        refused = target.run("restore", str(directory))
        assert refused.returncode == backup.EXIT_NOT_EMPTY, refused.stderr
        assert "存储中已有文件" in refused.stderr
        assert no_tables(target.data_dir / "pinggu.sqlite3")


def test_a_damaged_backup_is_refused_before_anything_is_restored(world, tmp_path, fresh_pg):
    services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", pdf("x")), user=world.sub_a)
    directory = tmp_path / "backups"
    result = backup.backup(directory)
    entry = backup.load_manifest(result.path)["objects"][0]
    damaged = directory / "objects" / entry["sha256"][:2] / entry["sha256"]
    damaged.write_bytes(b"not the original")
    target = Target(tmp_path, pg_url=fresh_pg() if fresh_pg else None)
    refused = target.run("restore", str(directory))
    assert refused.returncode == 1 and "已损坏" in refused.stderr
    assert target.empty()
    manifest = result.path / "manifest.json"
    manifest.write_text(manifest.read_text() + " ")  # still valid JSON, but not the bytes that were hashed
    with pytest.raises(CommandError, match="清单已损坏"):
        call_command("restore", str(directory))  # checked before anything else, even the refusal of a non-empty instance


def test_missing_pg_dump_is_said_clearly(settings):
    settings.PG_BINDIR = "/nonexistent"
    os_path = os.environ.get("PATH", "")
    try:
        os.environ["PATH"] = "/nonexistent"
        with pytest.raises(backup.BackupError) as raised:
            backup.pg_tool("pg_dump_does_not_exist", 15)
    finally:
        os.environ["PATH"] = os_path
    assert "postgresql-client" in str(raised.value)



def test_a_bundle_replaced_while_the_backup_runs_is_dropped_on_restore(world, tmp_path, monkeypatch, fresh_pg):
    """Prebuilt bundles are the one kind of object that may go between the snapshot and the copy (a newer build
    replaces them); the backup says so instead of failing, and the restore drops the row so it is built again."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from pinggu.exports.models import Bundle, BundleStatus

    services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", pdf("kept")), user=world.sub_a)
    old = Bundle.objects.create(campaign=world.campaign, signature="old", status=BundleStatus.READY, size=3)
    old.file.name = default_storage.save(f"bundles/{world.campaign.pk}/old.zip", ContentFile(b"zip"))
    old.save()
    snapshot = backup._take_snapshot

    def snapshot_then_rebuild(target):
        taken = snapshot(target)
        default_storage.delete(old.file.name)  # what exports.prebuilt.build does to the copy it replaces
        Bundle.objects.filter(pk=old.pk).delete()
        return taken

    monkeypatch.setattr(backup, "_take_snapshot", snapshot_then_rebuild)
    result = backup.backup(tmp_path / "backups")
    assert result.stats.problems == [] and result.vanished == [old.file.name] and result.objects == 1
    target = Target(tmp_path, pg_url=fresh_pg() if fresh_pg else None)
    restored = target.run("restore", str(tmp_path / "backups"))
    assert restored.returncode == 0, restored.stderr
    assert target.row_counts(["exports_bundle"]) == {"exports_bundle": 0}
    checked = target.run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_check_on_a_new_instance_before_migrate(tmp_path):
    target = Target(tmp_path)
    checked = target.run("check")
    assert checked.returncode == 0, checked.stderr
    assert "跳过存储核对" in checked.stdout


def test_restore_into_an_instance_that_ran_migrate_first(world, tmp_path, fresh_pg):
    """Operators run `pinggu migrate` by habit: the migrated but empty database is still restored into."""
    data = pdf("migrated")
    services.add_file(world.enrollment(world.a), "C01", upload_file("C01.pdf", data), user=world.sub_a)
    backup.backup(tmp_path / "backups")
    target = Target(tmp_path, pg_url=fresh_pg() if fresh_pg else None)
    migrated = target.run("migrate", "-v0", timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    restored = target.run("restore", str(tmp_path / "backups"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert target.evidence_hashes() == {sha(data)}
    assert sha(target.object_bytes(next(iter(target_keys(target))))) == sha(data)


def target_keys(target: Target) -> list[str]:
    query = "SELECT file FROM evidence_evidence WHERE file <> ''"
    if target.pg_url:
        import psycopg

        with psycopg.connect(target.pg_url) as conn:
            return [r[0] for r in conn.execute(query)]
    with sqlite3.connect(target.data_dir / "pinggu.sqlite3") as conn:
        return [r[0] for r in conn.execute(query)]
