from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A user with a one-time password reaches nothing but the password page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout"), reverse("site:favicon")}
            if request.path not in allowed and not request.path.startswith(("/static/", "/api/")):
                return redirect("accounts:password_change")
        return self.get_response(request)
