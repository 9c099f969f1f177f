import os
import socket
import uuid

import pytest

from pinggu.accounts.models import Role, User
from pinggu.site import demo

PASSWORD = "Test-Passw0rd!"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Every test writes its files into its own directory."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.UPLOADS_DIR = tmp_path / "uploads"  # resumable uploads' partial files


def pytest_generate_tests(metafunc):
    """Tests marked `both_storages` run twice: on the data directory and on the loopback S3 server."""
    if metafunc.definition.get_closest_marker("both_storages"):
        metafunc.parametrize("_storage_backend", ["local", "s3"], indirect=True)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API server (moto in server mode) on a free loopback port, for the whole run."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def use_s3(settings, endpoint, *, presign=False):
    """Point default storage at a fresh bucket on the loopback S3 server, created as `pinggu migrate` would."""
    from django.core.files.storage import default_storage

    from pinggu import storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": endpoint, "bucket_name": f"pinggu-test-{uuid.uuid4().hex[:12]}",
                "access_key": "testing", "secret_key": "testing", "region_name": "us-east-1",
                "addressing_style": "path", "signature_version": "s3v4", "file_overwrite": False,
                "default_acl": None, "querystring_auth": True, "querystring_expire": 300,
            },
        },
    }
    settings.S3_PRESIGN = presign
    assert storage.ensure_bucket(default_storage)
    return default_storage


@pytest.fixture(autouse=True)
def _storage_backend(request, settings):
    """The data directory unless the test is parametrised onto S3 (see `both_storages`); S3 streams, presigning off."""
    backend = getattr(request, "param", "local")
    if backend == "s3":
        use_s3(settings, request.getfixturevalue("s3_server"))
    yield backend
    if backend == "s3":
        from pathlib import Path

        # Nothing may fall back to a local path when object storage is configured.
        assert not (Path(settings.MEDIA_ROOT) / "evidence").exists()
        assert not (Path(settings.MEDIA_ROOT) / "bundles").exists()


@pytest.fixture(autouse=True)
def _tasks_and_mail(settings):
    """Background tasks run at once inside the test; mail goes to django.core.mail.outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_hashing(settings, request):
    """argon2 is deliberately slow; tests that are not about passwords hash quickly.

    Tests marked `argon2` keep the production hasher (test_passwords checks it).
    """
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username, role=Role.ORGANIZER, password=PASSWORD, **extra):
    user = User(username=username, role=role, **extra)
    user.set_password(password)
    user.save()
    return user


@pytest.fixture
def organizer(db):
    return make_user("organizer1")


@pytest.fixture
def viewer(db):
    return make_user("viewer1", role=Role.VIEWER)


@pytest.fixture
def bundled(db):
    """The notice's two checklists, loaded as the demo loads them."""
    from pinggu.frameworks import services

    return [services.create_framework(data) for data in demo.bundled_frameworks()]


@pytest.fixture
def org_client(client, organizer):
    client.force_login(organizer)
    return client


def token_for(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def org_api(client, organizer):
    """A client that sends the organizer's Bearer token on every request."""
    token = token_for(client, organizer.username)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def world(db, bundled):
    """An open campaign with two counties and a department, their submitters, an evaluator for A only, a viewer."""
    from datetime import timedelta

    from django.utils import timezone

    from pinggu.campaigns import services as cs
    from pinggu.campaigns.models import EvaluatorAssignment

    organizer = make_user("org", role=Role.ORGANIZER)
    a = cs.create_unit(name="甲县", kind="county", code="unit-a", contact_name="测试联系人", contact_email="a@example.org")
    b = cs.create_unit(name="乙县", kind="county", code="unit-b")
    d = cs.create_unit(name="市测试局", kind="department", code="dept-d")
    now = timezone.now()
    campaign = cs.create_campaign(
        title="测试评估", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
        contact_name="虚构联系人", contact_phone="0912-5550000", contact_email="contact@example.org",
        frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"},
    )
    cs.enroll(campaign, [a, b, d])
    cs.change_state(campaign, "open")
    evaluator = make_user("eva", role=Role.EVALUATOR)
    EvaluatorAssignment.objects.create(campaign=campaign, user=evaluator, unit=a)

    class World:
        pass

    w = World()
    w.campaign, w.a, w.b, w.d = campaign, a, b, d
    w.organizer, w.evaluator = organizer, evaluator
    w.sub_a = make_user("sub-a", role=Role.SUBMITTER, unit=a)
    w.sub_b = make_user("sub-b", role=Role.SUBMITTER, unit=b)
    w.sub_d = make_user("sub-d", role=Role.SUBMITTER, unit=d)
    w.viewer = make_user("boss", role=Role.VIEWER)
    w.enrollment = lambda unit: campaign.enrollments.get(unit=unit)
    return w


def upload_file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests empty every table between tests; on SQLite that is a DELETE, which the
    audit log's append-only trigger refuses unless the maintenance switch is on. PostgreSQL empties
    tables with TRUNCATE, which the row triggers leave alone. tests/security/test_audit_append_only.py
    turns the switch off again to test the triggers themselves."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO pinggu_audit_maintenance (enabled) VALUES (1)")


@pytest.fixture
def fresh_pg():
    """New empty PostgreSQL databases on the server the suite runs on (only when it runs on PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield None
        return
    import psycopg

    base = os.environ["PINGGU_DATABASE_URL"].rsplit("/", 1)[0]
    made = []

    def make() -> str:
        name = f"pinggu_restore_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    yield make
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
