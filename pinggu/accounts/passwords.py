"""Password rules (at least 10 characters, three of four character classes, not the username) and the hasher."""

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIN_LENGTH = 10
# Long enough for any passphrase; bounded so that nobody makes the server hash megabytes.
MAX_LENGTH = 256


class Argon2idHasher(Argon2PasswordHasher):
    """argon2id with the OWASP Password Storage Cheat Sheet's first configuration: 19 MiB, 2 passes, 1 lane.

    https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
    lists five equivalent minimums (m=47104 KiB t=1, m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5,
    all p=1) that trade memory for passes at about the same CPU cost. Django's defaults (100 MiB,
    2 passes, 8 lanes) cost about five times as much CPU: on the 2-core reference machine 200
    submitters logging in at the deadline queued for a minute (bench/rush.py, docs/性能.md).
    One lane, because a login should occupy one core and leave the other to the next request;
    19 MiB rather than less memory with more passes, as the cheat sheet lists it first and
    memory is what makes GPU guessing expensive.

    The algorithm name stays "argon2", so Django verifies hashes made with any parameters (they
    are in the hash) and, as must_update sees different ones, rehashes at the next login.
    """

    memory_cost = 19 * 1024
    time_cost = 2
    parallelism = 1


class StrengthValidator:
    def validate(self, password, user=None):
        problems = []
        if len(password) > MAX_LENGTH:
            problems.append(_("密码最多 %(n)d 个字符。") % {"n": MAX_LENGTH})
        if len(password) < MIN_LENGTH:
            problems.append(_("密码至少 %(n)d 个字符。") % {"n": MIN_LENGTH})
        classes = sum(
            [
                any(c.islower() and c.isascii() for c in password),
                any(c.isupper() and c.isascii() for c in password),
                any(c.isdigit() for c in password),
                # A space is no symbol: "          a1" must not pass as three classes.
                any(c.isprintable() and not c.isspace() and not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            problems.append(_("密码须包含小写字母、大写字母、数字、符号中的至少三类。"))
        if password and max(password.count(c) for c in set(password)) * 2 > len(password):
            problems.append(_("密码中同一个字符占了一半以上，请换一个不易猜到的密码。"))
        username = getattr(user, "username", "") if user is not None else ""
        if username and username.lower() in password.lower():
            problems.append(_("密码不能包含用户名。"))
        if problems:
            raise ValidationError(problems, code="password_weak")

    def get_help_text(self):
        # Lazy: forms read it once at import, and it must follow each request's language.
        return gettext_lazy("至少 10 个字符，包含小写字母、大写字母、数字、符号中的至少三类，且不能包含用户名。")
