"""Password rules: at least 10 characters, three of four character classes, not the username."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIN_LENGTH = 10
# Long enough for any passphrase; bounded so that nobody makes the server hash megabytes.
MAX_LENGTH = 256


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
