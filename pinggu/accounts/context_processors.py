"""Templates ask the permission layer too: `perms_pinggu.can_manage_users` is permissions.can_manage_users(user)."""

from django.http import HttpRequest

from . import permissions


class UserRules:
    """Every one-argument rule of accounts.permissions, applied to the request's user when a template reads it."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        rule = getattr(permissions, name, None)
        if name.startswith("_") or not callable(rule) or not (name.startswith(("can_", "is_", "sees_"))):
            raise AttributeError(name)
        return rule(self._user)


def perms_pinggu(request: HttpRequest) -> dict[str, UserRules]:
    return {"perms_pinggu": UserRules(getattr(request, "user", None))}
