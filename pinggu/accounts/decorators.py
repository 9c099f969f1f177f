"""The two guards: `require` for web views, `api_require` for API handlers; both take a rule from
accounts.permissions, so that a route's allowed roles are written once, above the route."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pinggu.errors import FORBIDDEN, DomainError


def require(rule):
    """Login, then the given permission rule (from accounts.permissions); 403 otherwise."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_require(rule):
    """For an API handler (below its @router line): the token's user must satisfy the rule; 403 `forbidden` otherwise.

    Authentication itself is the API's (NinjaAPI(auth=...)): an unauthenticated call is answered 401 before this runs.
    """

    def decorator(handler):
        @wraps(handler)
        def wrapped(request, *args, **kwargs):
            if not rule(request.auth):
                raise DomainError(_(FORBIDDEN), code="forbidden", status=403)
            return handler(request, *args, **kwargs)

        return wrapped

    return decorator
