"""Evidence files without a row: removed without the database, or listed and swept once it answers again."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pinggu.evidence import services
from pinggu.evidence.models import Evidence
from pinggu.evidence.orphans import discard_stored, sweep_orphans

from ..conftest import PDF, upload_file


@pytest.fixture(autouse=True)
def _orphans_list(settings, tmp_path):
    settings.ORPHANS_LIST = tmp_path / "orphans.txt"


def _age(path: Path, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def _listed(settings) -> list[str]:
    path = Path(settings.ORPHANS_LIST)
    return path.read_text().split() if path.exists() else []


def test_discard_removes_without_any_query(settings, db):
    name = default_storage.save("evidence/1/unit-a/abc.pdf", ContentFile(PDF))
    # The database may be the thing that failed: not a single query.
    with CaptureQueriesContext(connection) as queries:
        discard_stored(name)
    assert len(queries) == 0
    assert not default_storage.exists(name)
    assert _listed(settings) == []


def test_what_cannot_be_removed_is_listed_then_swept(settings, db):
    # A real failure to remove: the name is a non-empty directory (rmdir refuses).
    name = "evidence/1/unit-a/stuck.pdf"
    stuck = Path(settings.MEDIA_ROOT) / name
    stuck.mkdir(parents=True)
    (stuck / "inside").write_bytes(b"x")

    discard_stored(name)

    assert stuck.exists()
    assert _listed(settings) == [name]
    sweep_orphans()  # still stuck: stays listed
    assert _listed(settings) == [name]

    (stuck / "inside").unlink()
    assert name in sweep_orphans()
    assert not stuck.exists() and _listed(settings) == []


def test_listed_names_with_a_row_are_kept(settings, world):
    evidence, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("制度.pdf", PDF), user=world.sub_a)
    Path(settings.ORPHANS_LIST).write_text(evidence.file.name + "\n")
    assert sweep_orphans() == []
    assert default_storage.exists(evidence.file.name)
    assert _listed(settings) == []


def test_old_unreferenced_files_go_and_referenced_ones_stay(settings, world):
    enrollment = world.enrollment(world.a)
    alive, _ = services.add_file(enrollment, "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    deleted, _ = services.add_file(enrollment, "C01", upload_file("b.pdf", PDF + b"b"), user=world.sub_a)
    Evidence.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    media = Path(settings.MEDIA_ROOT)
    folder = (media / alive.file.name).parent
    old_orphan, new_orphan = folder / "0123.pdf", folder / "4567.pdf"
    old_orphan.write_bytes(PDF)
    new_orphan.write_bytes(PDF)
    other = media / "bundles" / "1" / "old.zip"  # not evidence: not ours to judge
    other.parent.mkdir(parents=True)
    other.write_bytes(b"PK")
    for path in (media / alive.file.name, media / deleted.file.name, old_orphan, other):
        _age(path, 25)

    removed = sweep_orphans()

    assert removed == [old_orphan.relative_to(media).as_posix()]
    assert not old_orphan.exists()
    assert new_orphan.exists() and other.exists()
    assert default_storage.exists(alive.file.name) and default_storage.exists(deleted.file.name)


def test_a_broken_database_leaves_the_list_alone(settings, world):
    name = "evidence/9/unit-a/later.pdf"
    Path(settings.ORPHANS_LIST).write_text(name + "\n")
    (Path(settings.MEDIA_ROOT) / name).parent.mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(PDF)
    # A real database failure, undone when the savepoint rolls back.
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE evidence_evidence RENAME TO evidence_evidence_gone")
        sweep_orphans()
    assert _listed(settings) == [name]
    assert default_storage.exists(name)


def test_periodic_sweep_asks_only_about_files_that_just_became_old(settings, world):
    import os
    import time as clock
    from datetime import timedelta

    root = settings.MEDIA_ROOT / "evidence" / "9"
    root.mkdir(parents=True)
    recent, ancient = root / "recent.pdf", root / "ancient.pdf"
    for path, age_hours in ((recent, 25), (ancient, 24 * 30)):
        path.write_bytes(b"%PDF-1.4")
        then = clock.time() - age_hours * 3600
        os.utime(path, (then, then))
    removed = sweep_orphans(window=timedelta(hours=2))
    assert removed == ["evidence/9/recent.pdf"] and ancient.exists()  # the start-up sweep's job
    assert sweep_orphans() == ["evidence/9/ancient.pdf"]
