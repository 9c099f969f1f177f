import base64
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.errors import DomainError
from pinggu.lib.address import login_url
from pinggu.units.models import Unit

from . import audit_log, permissions, services
from .audit import action_labels as audit_action_labels
from .audit import record
from .decorators import require
from .forms import LoginForm, PasswordChangeForm, UserCreateForm
from .models import ApiToken, AuditEvent, Role, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request.user,
                form.cleaned_data["new_password1"],
                request=request,
                keep_session_key=request.session.session_key,
            )
        except DomainError as exc:
            form.add_error("new_password1", exc.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改，其他设备上的登录已退出。"))
            return redirect("site:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def tokens(request):
    """The user's own API tokens: when each was issued and expires; revoke one or all."""
    if request.method == "POST":
        which = request.POST.get("token")
        ids = None if which == "all" else [int(which)] if (which or "").isdigit() else []
        n = services.revoke_tokens(request.user, token_ids=ids, request=request)
        messages.success(request, _("已撤销 %(n)d 个 API 令牌。") % {"n": n})
        return redirect("accounts:tokens")
    return render(request, "accounts/tokens.html", {
        "tokens": ApiToken.objects.active().filter(user=request.user).order_by("-created_at")})


# --- Account management (organizer) ----------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require(permissions.can_manage_users)
def user_list(request):
    users = User.objects.select_related("unit").order_by("role", "username")
    role = request.GET.get("role")
    if role:
        users = users.filter(role=role)
    return render(request, "accounts/users.html", {
        "users": users, "roles": Role.choices, "role": role, "units": Unit.objects.alive(),
    })


@require(permissions.can_manage_users)
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.create_user(
                username=data["username"], role=data["role"], unit=data.get("unit"), display_name=data["display_name"],
                password=None, must_change_password=True, by=request.user, request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            rows = [(user.unit, user.username, password)]
            return render(request, "accounts/credentials.html", {
                "rows": rows, "login_url": login_url(request),
                "workbook": base64.b64encode(services.credentials_xlsx(rows, login_url(request))).decode(),
            })
    return render(request, "accounts/user_form.html", {"form": form})


@require_POST
@require(permissions.can_manage_users)
def user_action(request, username, action):
    user = get_object_or_404(User, username=username)
    if action in ("disable", "reset") and not permissions.can_change_user(request.user, user):
        messages.error(request, _("不能对自己执行此操作。"))
        return redirect("accounts:users")
    if action == "reset":
        password = services.reset_password(user, by=request.user, request=request)
        rows = [(user.unit, user.username, password)]
        return render(request, "accounts/credentials.html", {
            "rows": rows, "login_url": login_url(request),
            "workbook": base64.b64encode(services.credentials_xlsx(rows, login_url(request))).decode(),
        })
    if action == "role":
        unit = Unit.objects.alive().filter(code=request.POST.get("unit", "")).first()
        try:
            services.set_role(user, request.POST.get("role", ""), unit=unit, by=request.user, request=request)
            messages.success(request, _("已修改 %(u)s 的角色。") % {"u": user.username})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:users")
    if action in ("disable", "enable"):
        services.set_active(user, action == "enable", by=request.user, request=request)
        messages.success(request, _("已停用 %(u)s。") % {"u": user.username} if action == "disable" else _("已启用 %(u)s。") % {"u": user.username})
    else:
        raise Http404
    return redirect("accounts:users")


def _audit_filters(request):
    return {
        "campaign": request.GET.get("campaign") or None,
        "unit": request.GET.get("unit") or None,
        "action": request.GET.get("action") or None,
        "since": _parse_day(request.GET.get("since")),
        "until": _parse_day(request.GET.get("until"), end=True),
    }


@require(permissions.can_read_audit)
def audit_page(request):
    filters = _audit_filters(request)
    if request.GET.get("format") in AUDIT_FORMATS:  # the export button of older pages
        return audit_export(request, request.GET["format"])
    page = Paginator(audit_log.filtered(**filters), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit.html", {
        "page": page, "actions": sorted(audit_action_labels().items(), key=lambda kv: str(kv[1])),
        # The campaigns an event may refer to, reached through that reference: accounts sits below campaigns.
        "campaigns": AuditEvent.campaign.field.related_model.objects.all(), "units": Unit.objects.alive(),
        "query": request.GET.urlencode(), "filter_query": query.urlencode(), "params": request.GET,
    })


AUDIT_FORMATS = {"csv": (audit_log.to_csv, "text/csv; charset=utf-8"), "xlsx": (audit_log.to_xlsx, XLSX)}


@require(permissions.can_read_audit)
def audit_export(request, fmt):
    """The log as the page shows it (same filters), as CSV or xlsx."""
    if fmt not in AUDIT_FORMATS:
        raise Http404
    filters = _audit_filters(request)
    write, content_type = AUDIT_FORMATS[fmt]
    record("audit_export", request=request, format=fmt, filters={k: str(v) for k, v in filters.items() if v})
    response = HttpResponse(write(audit_log.filtered(**filters)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


def _parse_day(value, end=False):
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))
