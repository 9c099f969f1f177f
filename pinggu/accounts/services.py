"""Account rules shared by the web views, the API and the CLI."""

import os
import re
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from pinggu.errors import DomainError
from pinggu.lib.office import safe_cell, to_bytes
from pinggu.units.models import Unit

from .audit import record
from .models import ApiToken, Role, User


@transaction.atomic
def change_password(user: User, new_password: str, *, request: HttpRequest | None = None, keep_session_key: str | None = None) -> None:
    """Set a new password and end every other session and API token of the user."""
    _check_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    ApiToken.objects.filter(user=user).delete()
    end_sessions(user, except_key=keep_session_key)
    record("password_change", actor=user, request=request, obj=user)


def revoke_tokens(user: User, *, token_ids: Iterable[int] | None = None, request: HttpRequest | None = None) -> int:
    """Revoke the user's own API tokens (all, or those listed); returns how many were revoked."""
    tokens = ApiToken.objects.filter(user=user)
    if token_ids is not None:
        tokens = tokens.filter(pk__in=token_ids)
    ids = list(tokens.values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).delete()
        record("api_token_revoke", actor=user, request=request, obj=user, tokens=len(ids))
    return len(ids)


def end_sessions(user: User, except_key: str | None = None) -> None:
    # Sessions are not indexed by user; scanning the live ones is fine at this
    # scale (one row per logged-in browser) and needs no extra bookkeeping.
    uid = str(user.pk)
    doomed: list[str] = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == except_key:
            continue
        if session.get_decoded().get("_auth_user_id") == uid:
            doomed.append(session.session_key)
    Session.objects.filter(session_key__in=doomed).delete()


# --- Accounts ------------------------------------------------------------------------

class AccountError(DomainError):
    pass


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), code="weak_password") from None


_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/l/I), always meeting the rules."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(10)) + secrets.choice("23456789") + secrets.choice("#%+=@")
        if any(c.islower() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


class OneTimePasswordHasher(Argon2PasswordHasher):
    """argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) for generated one-time passwords.

    The production hasher (accounts.passwords.Argon2idHasher) uses the same parameters today; this
    one stays separate so that an instance raising them does not make account generation slow again
    (with Django's defaults, 0.35 s a hash, accounts for 300 units took two minutes in one request).
    A generated password carries about 63 bits of randomness, which a slower hash is not needed to
    protect, and it lives until the forced change at first login. The algorithm name stays "argon2":
    the production hasher verifies these hashes and, finding other parameters, rehashes at the
    first successful login.
    """

    memory_cost = 19 * 1024
    time_cost = 2
    parallelism = 1


def _hash_one_time(password: str) -> str:
    if get_hasher("default").algorithm != "argon2":
        return make_password(password)  # whatever the instance configured (the tests' fast hasher)
    return make_password(password, hasher=OneTimePasswordHasher())


def _validate_username(username: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{2,150}", username or ""):
        raise AccountError(_("用户名只能使用字母、数字和 _.@+-，2 到 150 个字符。"), code="invalid_username")


@transaction.atomic
def create_user(*, username: str, role: str, password: str | None = None, unit: Unit | None = None,
                must_change_password: bool = True, display_name: str = "", by: User | None = None,
                request: HttpRequest | None = None, encoded: str | None = None) -> tuple[User, str]:
    """Create an account. Returns (user, password) — the password is shown once and never stored in clear.

    `encoded` is the password's hash when the caller computed it already (many accounts at once).
    """
    _validate_username(username)
    if role not in Role.values:
        raise AccountError(_("角色无效，可选：organizer、submitter、evaluator、viewer。"), code="invalid_role")
    if role == Role.SUBMITTER and unit is None:
        raise AccountError(_("填报人账户必须属于一个单位。"), code="unit_required")
    if role != Role.SUBMITTER:
        unit = None
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("用户名“%(u)s”已存在。") % {"u": username}, code="duplicate_username", status=409)
    generated = password is None
    if password is None:
        password = one_time_password()
    user = User(username=username, role=role, unit=unit, display_name=display_name,
                must_change_password=must_change_password)
    _check_password(password, user)
    if encoded is None and generated:
        encoded = _hash_one_time(password)
    if encoded is None:
        user.set_password(password)
    else:
        user.password = encoded
    user.save()
    record("account_create", actor=by, request=request, obj=user, unit=unit, username=username, role=role,
           must_change_password=must_change_password)
    return user, password


def reset_password(user: User, *, by: User | None = None, request: HttpRequest | None = None) -> str:
    """A new one-time password; the user must change it at next login. Ends all sessions and tokens."""
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ApiToken.objects.filter(user=user).delete()
    end_sessions(user)
    record("password_reset", actor=by, request=request, obj=user, username=user.username)
    return password


def set_active(user: User, active: bool, *, by: User | None = None, request: HttpRequest | None = None) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user).delete()
        end_sessions(user)
    record("account_enable" if active else "account_disable", actor=by, request=request, obj=user, username=user.username)


def set_role(user: User, role: str, *, unit: Unit | None = None, by: User | None = None, request: HttpRequest | None = None) -> None:
    if role not in Role.values:
        raise AccountError(_("角色无效。"), code="invalid_role")
    if role == Role.SUBMITTER and unit is None:
        raise AccountError(_("填报人账户必须属于一个单位。"), code="unit_required")
    before = (user.role, user.unit_id)
    user.role, user.unit = role, unit if role == Role.SUBMITTER else None
    user.save(update_fields=["role", "unit"])
    record("role_change", actor=by, request=request, obj=user, username=user.username,
           before={"role": before[0], "unit": before[1]}, after={"role": role, "unit": user.unit_id})


def create_unit_accounts(units: Iterable[Unit], *, by: User | None = None, request: HttpRequest | None = None) -> list[tuple[Unit, str, str]]:
    """One submitter per unit that has none, named after the unit's code. Returns [(unit, username, password)]."""
    have = set(User.objects.filter(role=Role.SUBMITTER, unit__in=units, is_active=True).values_list("unit_id", flat=True))
    needed = [unit for unit in units if unit.pk not in have]
    passwords = [one_time_password() for _ in needed]
    # argon2 releases the GIL: the hashes use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(_hash_one_time, passwords))
    created: list[tuple[Unit, str, str]] = []
    # One transaction for the writes, after the slow hashing: all accounts or none, one commit.
    with transaction.atomic():
        for unit, password, encoded in zip(needed, passwords, hashes, strict=True):
            created.append(_create_unit_account(unit, password, encoded, by=by, request=request))
    return created


def _create_unit_account(unit: Unit, password: str, encoded: str, *, by: User | None,
                         request: HttpRequest | None) -> tuple[Unit, str, str]:
    username = unit.code
    n = 2
    while User.objects.filter(username__iexact=username).exists():
        username = f"{unit.code}{n}"
        n += 1
    user, password = create_user(username=username, role=Role.SUBMITTER, unit=unit, display_name=unit.name,
                                 password=password, encoded=encoded, by=by, request=request)
    return unit, user.username, password


def credentials_xlsx(rows: Iterable[tuple[Unit | None, str, str]], login_url: str) -> bytes:
    """The one-time passwords as a workbook to hand out: 单位, 用户名, 初始密码, 登录地址.

    The address is on every row: organizers cut the sheet into one line per unit.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "账户"
    ws.append(["单位", "用户名", "初始密码（首次登录须修改）", "登录地址"])
    for unit, username, password in rows:
        ws.append([safe_cell(v) for v in (unit.name if unit else "", username, password, login_url)])
    for col, width in zip("ABCD", (30, 20, 28, 44)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    return to_bytes(wb)
