import pytest
from django.contrib.auth.hashers import get_hasher

from pinggu.accounts import services
from pinggu.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.argon2
def test_one_time_passwords_use_the_minimum_argon2id_and_upgrade_at_first_login(world):
    from pinggu.campaigns import services as cs

    units = [cs.create_unit(name=f"县{i}", kind="county", code=f"bulk{i}") for i in range(6)]
    rows = services.create_unit_accounts(units)
    assert len(rows) == 6
    for unit, username, password in rows:
        user = User.objects.get(username=username)
        assert user.unit == unit and user.must_change_password
        # argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): a generated 12-character password
        # (about 63 bits of randomness) needs no more, and 300 of them fit in one request.
        assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
        assert user.check_password(password)
        # The first successful login rehashes with the production parameters.
        production = get_hasher("default")
        assert user.password.startswith(f"argon2$argon2id$v=19$m={production.memory_cost},t={production.time_cost},"
                                        f"p={production.parallelism}$")
        assert user.check_password(password)


def test_unit_accounts_respect_the_configured_hasher(world):
    from pinggu.campaigns import services as cs

    unit = cs.create_unit(name="县", kind="county", code="plain")
    [(_, username, password)] = services.create_unit_accounts([unit])
    user = User.objects.get(username=username)
    assert user.password.startswith("md5$") and user.check_password(password)  # the tests' fast hasher
