"""Issue 11 §4: `pinggu check [--repair]` against the stored objects, on local disk and on S3."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from pinggu.accounts.models import AuditEvent
from pinggu.evidence import services
from pinggu.exports.models import Bundle, BundleStatus

from ..conftest import PDF, upload_file

pytestmark = pytest.mark.django_db


def run_check(*args):
    out = StringIO()
    try:
        call_command("check", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def add(world, code, data):
    return services.add_file(world.enrollment(world.a), code, upload_file(f"{code}.pdf", data), user=world.sub_a)[0]


@pytest.mark.both_storages
def test_clean_storage_passes(world):
    add(world, "C01", PDF + b"% one")
    deleted = add(world, "C02", PDF + b"% two")
    services.delete(deleted, user=world.sub_a)  # its file stays and is checked
    bundle = Bundle.objects.create(campaign=world.campaign, signature="s", status=BundleStatus.READY, size=3)
    bundle.file.name = bundle.file.storage.save("bundles/1/s.zip", ContentFile(b"zip"))
    bundle.save()
    out, error = run_check()
    assert error is None, out
    assert "已核对 3 条文件记录" in out and "存储核对通过" in out


@pytest.mark.both_storages
def test_finds_missing_wrong_and_orphaned_objects_and_repairs_only_old_orphans(world, settings):
    settings.ORPHAN_FILE_MIN_AGE = timedelta(seconds=6)  # S3 times have whole seconds
    good = add(world, "C01", PDF + b"% good")
    missing = add(world, "C02", PDF + b"% missing")
    wrong_hash = add(world, "C03", PDF + b"% right")
    wrong_size = add(world, "C04", PDF + b"% the right length")
    storage = good.file.storage
    storage.delete(missing.file.name)
    for item, data in ((wrong_hash, PDF + b"% wrong"), (wrong_size, PDF + b"% short")):
        storage.delete(item.file.name)
        assert storage.save(item.file.name, ContentFile(data)) == item.file.name
    old = storage.save("evidence/1/1/crashed-long-ago.pdf", ContentFile(PDF + b"% old orphan"))
    time.sleep(7)
    young = storage.save("evidence/1/1/upload-in-flight.pdf", ContentFile(PDF + b"% young orphan"))

    out, error = run_check()
    assert error is not None and "4 个问题" in error, out  # missing, two wrong, one old orphan
    assert f"缺少文件：evidence.evidence #{missing.pk} {missing.file.name}" in out
    assert f"#{wrong_hash.pk}" in out and f"#{wrong_size.pk}" in out and f"#{good.pk}" not in out
    assert f"{old}（" in out and "可用 --repair 删除" in out
    assert f"{young}（" in out and "可能是正在进行的上传" in out
    assert storage.exists(old) and storage.exists(young)  # check alone removes nothing

    out, error = run_check("--repair")
    assert not storage.exists(old)
    assert storage.exists(young) and storage.exists(good.file.name) and storage.exists(wrong_hash.file.name)
    assert "3 个问题" in error  # the rows' problems remain; repair never touches a referenced object
    event = AuditEvent.objects.get(action="orphan_remove")
    assert event.details["key"] == old and event.actor_name == "pinggu check"

    # Once the rows are right again, only the young orphan is left: listed, not a failure.
    storage.save(missing.file.name, ContentFile(PDF + b"% missing"))
    for item, data in ((wrong_hash, PDF + b"% right"), (wrong_size, PDF + b"% the right length")):
        storage.delete(item.file.name)
        storage.save(item.file.name, ContentFile(data))
    out, error = run_check()
    assert error is None and "存储核对通过" in out and young in out


def test_system_checks_alone_when_asked_for_them(world, monkeypatch):
    # The browser tests allow Django's sync calls from Playwright's event loop for the whole run; --deploy
    # rightly calls that an error (async.E001), and no deployment sets it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    add(world, "C01", PDF + b"% x")
    out, error = run_check("--deploy")
    assert error is None and "已核对" not in out
