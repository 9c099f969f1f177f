"""Issue 11 §2: resumable uploads (tus 1.0.0) and single-pass hashing of plain uploads.

Both paths end in services.add_file: the same type, size, quota, duplicate and audit rules.
"""

import base64
import hashlib
import io
import os
import zlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from pinggu.accounts.models import AuditEvent
from pinggu.evidence import resumable, services
from pinggu.evidence.models import Evidence, Upload

from ..conftest import PDF, token_for, upload_file
from .test_uploads import api  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def b64(text):
    return base64.b64encode(text.encode()).decode()


def big_pdf(size=300_000, seed=b"a"):
    body = hashlib.sha256(seed).digest() * (size // 32)
    return PDF + body




def create(api, content, name="扫描件.pdf", point="C01", sha256=None, note=None, length=None):
    meta = [f"filename {b64(name)}"]
    if sha256:
        meta.append(f"sha256 {b64(sha256)}")
    if note:
        meta.append(f"note {b64(note)}")
    return api.generic("POST", f"{api.base}/checkpoints/{point}/uploads", b"", **TUS,
                       HTTP_UPLOAD_LENGTH=str(len(content) if length is None else length), HTTP_UPLOAD_METADATA=",".join(meta))


def patch(api, url, offset, data, **headers):
    return api.generic("PATCH", url, data, content_type="application/offset+octet-stream", **TUS,
                       HTTP_UPLOAD_OFFSET=str(offset), **headers)


def head(api, url):
    return api.head(url, **TUS)


def send(api, url, content, chunk=100_000, start=0):
    response = None
    for offset in range(start, len(content), chunk):
        response = patch(api, url, offset, content[offset:offset + chunk])
        assert response.status_code == 204, response.content
        assert int(response["Upload-Offset"]) == min(offset + chunk, len(content))
    return response


@pytest.mark.both_storages
def test_chunks_become_evidence_once_the_last_byte_is_verified(api, world):
    content = big_pdf()
    digest = hashlib.sha256(content).hexdigest()
    created = create(api, content, sha256=digest, note="扫描版")
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert url.startswith("/api/v1/uploads/") and created["Tus-Resumable"] == "1.0.0"
    reply = head(api, url)
    assert reply.status_code == 200 and reply["Upload-Offset"] == "0" and reply["Upload-Length"] == str(len(content))

    half = len(content) // 2
    send(api, url, content[:half])
    assert not Evidence.objects.exists(), "a partial upload is never evidence"
    assert head(api, url)["Upload-Offset"] == str(half)
    last = send(api, url, content, start=half)
    evidence = Evidence.objects.get()
    assert last["Pinggu-Evidence-Id"] == str(evidence.pk) and last["Pinggu-Duplicate"] == "false"
    assert (evidence.size, evidence.sha256, evidence.crc32) == (len(content), digest, zlib.crc32(content))
    assert (evidence.filename, evidence.note) == ("扫描件.pdf", "扫描版")
    with default_storage.open(evidence.file.name, "rb") as fh:
        assert fh.read() == content
    assert not any(resumable.partial_path(u).exists() for u in Upload.objects.all())
    assert AuditEvent.objects.filter(action="upload", object_id=str(evidence.pk)).count() == 1
    # Asking again (a client that lost the answer) finds the finished upload and its evidence.
    again = head(api, url)
    assert again["Upload-Offset"] == str(len(content)) and again["Pinggu-Evidence-Id"] == str(evidence.pk)
    assert patch(api, url, len(content), b"").status_code == 204
    assert Evidence.objects.count() == 1


def test_wrong_offset_is_a_conflict_that_names_the_right_one(api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    send(api, url, content[:1000])
    reply = patch(api, url, 0, content[:1000])
    assert reply.status_code == 409 and reply.json()["error"] == "offset_mismatch" and reply["Upload-Offset"] == "1000"
    assert patch(api, url, 5000, content[5000:6000]).status_code == 409
    assert head(api, url)["Upload-Offset"] == "1000"
    too_long = patch(api, url, 1000, content[1000:] + b"extra")
    assert too_long.status_code == 400 and too_long.json()["error"] == "exceeds_length"


def test_a_whole_file_that_does_not_match_the_clients_sha256_is_refused_and_never_visible(api, world, settings):
    content = big_pdf()
    url = create(api, content, sha256=hashlib.sha256(b"something else").hexdigest())["Location"]
    reply = patch(api, url, 0, content)
    assert reply.status_code == 460 and reply.json()["error"] == "checksum_mismatch"
    assert not Evidence.objects.exists()
    assert head(api, url).status_code == 404
    assert list(settings.UPLOADS_DIR.iterdir()) == []


def test_a_chunk_checksum_that_fails_leaves_the_offset_where_it_was(api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    wrong = "sha1 " + base64.b64encode(hashlib.sha1(b"x").digest()).decode()
    reply = patch(api, url, 0, content[:5000], HTTP_UPLOAD_CHECKSUM=wrong)
    assert reply.status_code == 460 and head(api, url)["Upload-Offset"] == "0"
    right = "sha256 " + base64.b64encode(hashlib.sha256(content[:5000]).digest()).decode()
    assert patch(api, url, 0, content[:5000], HTTP_UPLOAD_CHECKSUM=right)["Upload-Offset"] == "5000"
    assert patch(api, url, 5000, b"x", HTTP_UPLOAD_CHECKSUM="crc99 AAAA").json()["error"] == "checksum_unsupported"


def test_a_resume_in_another_process_rehashes_the_prefix_and_drops_bytes_past_the_offset(api, world):
    content = big_pdf(seed=b"resume")
    url = create(api, content, sha256=hashlib.sha256(content).hexdigest())["Location"]
    send(api, url, content[:150_000], chunk=50_000)
    upload = Upload.objects.get()
    # A request killed after writing but before the offset was stored leaves bytes past it.
    with open(resumable.partial_path(upload), "ab") as fh:
        fh.write(b"garbage of a killed request")
    resumable.forget_all()  # a process that did not see the first half
    assert head(api, url)["Upload-Offset"] == "150000"
    send(api, url, content, start=150_000)
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.crc32 == zlib.crc32(content)


class Breaking(io.RawIOBase):
    """A request body whose connection drops after `limit` bytes."""

    def __init__(self, data, limit):
        self.data, self.limit, self.pos = data, limit, 0

    def read(self, n=-1):
        if self.pos >= self.limit:
            raise OSError("connection reset by peer")
        block = self.data[self.pos:min(self.pos + min(n, 10_000), self.limit)]
        self.pos += len(block)
        return block


def test_a_broken_connection_keeps_what_arrived_and_the_upload_resumes(api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    upload = resumable.find(world.sub_a, url.rsplit("/", 1)[1])
    resumable.append(upload, Breaking(content, 123_456), offset=0, content_length=len(content), user=world.sub_a)
    assert head(api, url)["Upload-Offset"] == "123456"
    send(api, url, content, start=123_456)
    assert Evidence.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_a_fully_stored_upload_that_never_completed_completes_on_head(api, world):
    """The process died after the last byte was on disk: tus clients then only ask HEAD."""
    content = big_pdf()
    url = create(api, content)["Location"]
    upload = Upload.objects.get()
    with open(resumable.partial_path(upload), "wb") as fh:
        fh.write(content)
    Upload.objects.filter(pk=upload.pk).update(offset=len(content), crc32=zlib.crc32(content))
    resumable.forget_all()
    reply = head(api, url)
    assert reply["Upload-Offset"] == str(len(content)) and reply["Pinggu-Evidence-Id"] == str(Evidence.objects.get().pk)


def test_a_lost_partial_file_restarts_from_zero(api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    send(api, url, content[:1000])
    resumable.partial_path(Upload.objects.get()).unlink()
    assert head(api, url)["Upload-Offset"] == "0"
    send(api, url, content)
    assert Evidence.objects.get().size == len(content)


def test_the_rules_of_a_plain_upload_apply(api, world):
    campaign = world.campaign
    assert create(api, b"MZ" * 100, name="程序.exe").json()["error"] == "type_not_allowed"
    assert create(api, b"", length=0).json()["error"] == "empty_file"
    assert create(api, b"", length=campaign.max_file_bytes + 1).json()["error"] == "too_large"
    assert create(api, b"x", point="NOPE").status_code == 404
    campaign.unit_quota_bytes = 200_000
    campaign.save()
    assert create(api, big_pdf()).json()["error"] == "quota_exceeded"
    campaign.unit_quota_bytes = 10**9
    campaign.save()
    # The content is checked at the end, exactly as for a plain upload: a program named .pdf.
    fake = b"MZ\x90\x00" + b"\x00" * 1000
    url = create(api, fake)["Location"]
    reply = patch(api, url, 0, fake)
    assert reply.status_code == 400 and reply.json()["error"] == "content_mismatch"
    assert not Evidence.objects.exists() and head(api, url).status_code == 404
    # The same content as a plain upload already at the point: reported, not stored twice.
    content = big_pdf(seed=b"dup")
    plain, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("原件.pdf", content), user=world.sub_a)
    url = create(api, content)["Location"]
    reply = patch(api, url, 0, content)
    assert reply["Pinggu-Evidence-Id"] == str(plain.pk) and reply["Pinggu-Duplicate"] == "true"
    assert Evidence.objects.count() == 1


def test_permissions_are_those_of_a_plain_upload_at_creation_and_at_completion(client, api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    send(api, url, content[:1000])
    for user, status in ((world.sub_b, 404), (world.evaluator, 403), (world.organizer, 201)):
        other = Client()
        other.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(other, user.username)}"
        other.base = api.base
        assert create(other, content).status_code == status
        # Someone else's upload does not exist for them, whatever their role.
        assert head(other, url).status_code == 404
        assert patch(other, url, 1000, content[1000:]).status_code == 404
        assert other.delete(url, **TUS).status_code == 404
    # The unit submits while the upload is under way: the rest is refused, nothing becomes evidence.
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    reply = patch(api, url, 1000, content[1000:])
    assert reply.status_code == 409 and reply.json()["error"] == "submitted"
    assert not Evidence.objects.exists()


def test_termination_removes_the_partial_bytes(api, world):
    content = big_pdf()
    url = create(api, content)["Location"]
    send(api, url, content[:1000])
    path = resumable.partial_path(Upload.objects.get())
    assert api.delete(url, **TUS).status_code == 204
    assert not path.exists() and not Upload.objects.exists()
    assert head(api, url).status_code == 404


def test_protocol_version_options_and_content_type(api, world):
    content = big_pdf()
    no_version = api.generic("POST", f"{api.base}/checkpoints/C01/uploads", b"", HTTP_UPLOAD_LENGTH="10",
                             HTTP_UPLOAD_METADATA=f"filename {b64('a.pdf')}")
    assert no_version.status_code == 412 and no_version["Tus-Version"] == "1.0.0"
    options = Client().options(f"{api.base}/checkpoints/C01/uploads")
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    assert set(options["Tus-Extension"].split(",")) >= {"creation", "termination", "checksum"}
    assert int(options["Tus-Max-Size"]) == world.campaign.max_file_bytes
    url = create(api, content)["Location"]
    wrong_type = api.generic("PATCH", url, b"abc", content_type="application/octet-stream", **TUS, HTTP_UPLOAD_OFFSET="0")
    assert wrong_type.status_code == 415
    assert create(api, content, sha256="not-hex").json()["error"] == "invalid_metadata"
    bad_meta = api.generic("POST", f"{api.base}/checkpoints/C01/uploads", b"", **TUS, HTTP_UPLOAD_LENGTH="10",
                           HTTP_UPLOAD_METADATA="filename ***")
    assert bad_meta.json()["error"] == "invalid_metadata"


def test_a_chunk_over_the_limit_is_refused_before_it_is_read(api, world, settings):
    settings.UPLOAD_CHUNK_BYTES = 100_000
    content = big_pdf()
    url = create(api, content)["Location"]
    # As served by gunicorn, the only server that takes the middleware's Connection: close.
    reply = patch(api, url, 0, content[:200_000], SERVER_SOFTWARE="gunicorn/23")
    assert reply.status_code == 413 and reply.json()["error"] == "chunk_too_large"
    assert reply["Connection"] == "close", "refused by the size limit before anything read the body"
    assert head(api, url)["Upload-Offset"] == "0"


def test_the_browser_session_needs_the_csrf_header(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.sub_a)
    browser.get(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    token = browser.cookies["csrftoken"].value
    browser.base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    content = big_pdf()
    assert create(browser, content).status_code == 403
    browser.defaults["HTTP_X_CSRFTOKEN"] = token
    url = create(browser, content)["Location"]
    send(browser, url, content)
    assert Evidence.objects.get().uploaded_by == world.sub_a


def test_expired_and_leftover_uploads_are_swept(api, world, settings):
    content = big_pdf()
    url = create(api, content)["Location"]
    send(api, url, content[:1000])
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    stray = resumable.partial_path(Upload(id="f" * 32))
    stray.write_bytes(b"left by a crash")
    os.utime(stray, (0, 0))
    live = create(api, content)["Location"].rsplit("/", 1)[1]
    removed = resumable.sweep_uploads()
    assert set(removed) == {upload.id, "f" * 32}
    assert not resumable.partial_path(upload).exists() and not stray.exists()
    assert list(Upload.objects.values_list("pk", flat=True)) == [live]
    assert head(api, url).status_code == 404


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024])  # in memory, and through a temporary file
def test_a_plain_multipart_upload_is_hashed_as_it_arrives(api, world, monkeypatch, size):
    def second_pass(fileobj):
        raise AssertionError("the file was read a second time to hash it")

    monkeypatch.setattr(services, "_digest", second_pass)
    content = big_pdf(size=size, seed=b"plain")
    f = io.BytesIO(content)
    f.name = "材料.pdf"
    reply = api.post(f"{api.base}/checkpoints/C01/evidence", {"file": f})
    assert reply.status_code == 201, reply.content
    evidence = Evidence.objects.get()
    assert (evidence.sha256, evidence.crc32, evidence.size) == (hashlib.sha256(content).hexdigest(), zlib.crc32(content), len(content))


def test_two_requests_never_write_one_upload_at_once(api, world):
    import fcntl

    content = big_pdf()
    url = create(api, content)["Location"]
    with open(resumable.partial_path(Upload.objects.get()), "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another request is writing this upload
        reply = patch(api, url, 0, content[:1000])
        assert reply.status_code == 423 and reply.json()["error"] == "upload_locked"
    assert patch(api, url, 0, content[:1000])["Upload-Offset"] == "1000"
