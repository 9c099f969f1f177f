import pytest

from pinggu.accounts.models import Role, User
from pinggu.site import demo

PASSWORD = "Test-Passw0rd!"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Every test writes its files into its own directory."""
    settings.MEDIA_ROOT = tmp_path / "files"


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
