from ninja.security import APIKeyCookie, HttpBearer

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        found = ApiToken.lookup(token)
        if found is None or not found.user.is_active or found.user.must_change_password:
            return None
        request.user = found.user
        request.api_token = found  # so that DELETE /auth/token can revoke exactly this one
        return found.user


class SessionCookie(APIKeyCookie):
    """The logged-in browser session (for the interactive docs); CSRF-checked by ninja."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and not user.must_change_password:
            return user
        return None


def api_auth():
    return [BearerToken(), SessionCookie()]
