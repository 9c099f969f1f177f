from collections import Counter

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require

from . import exports, importing, services
from .forms import ImportForm
from .layout import grid
from .tree import Tree

_SESSION_KEY = "framework_import"
def _framework_or_404(code, version=None):
    """The requested version (a query or form value) of a framework, or its newest one; 404 for anything else."""
    if version not in (None, ""):
        if not str(version).isdigit():
            raise Http404
        version = int(version)
    framework = services.get_framework(code, version or None)
    if framework is None:
        raise Http404
    return framework


@require(permissions.can_view_frameworks)
def framework_list(request):
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "frameworks/list.html",
        {"frameworks": services.frameworks_for_listing(include_all_versions=show_all), "show_all": show_all,
         "can_manage": permissions.can_manage_frameworks(request.user)},
    )


@require(permissions.can_view_frameworks)
def framework_detail(request, code):
    framework = _framework_or_404(code, request.GET.get("version"))
    data = services.to_dict(framework)
    versions = services.Framework.objects.alive().filter(code=code).order_by("-version").values_list("version", "status")
    return render(
        request,
        "frameworks/detail.html",
        {
            "framework": framework,
            "grid": grid(data, translated=True),
            "counts": _counts(data),
            "versions": versions,
            "can_manage": permissions.can_manage_frameworks(request.user),
            "in_use": services.in_use(framework),
        },
    )


def _counts(data):
    tree = Tree.from_dict(data["indicators"])
    levels = Counter(ind.level for ind in tree.indicators())
    return {"levels": sorted(levels.items()), "checkpoints": len(tree.points())}


@require(permissions.can_view_frameworks)
def framework_export(request, code, fmt):
    framework = _framework_or_404(code, request.GET.get("version"))
    if fmt not in exports.MEDIA_TYPES:
        raise Http404
    body = exports.render(framework, fmt)
    record("framework_export", request=request, obj=framework, format=fmt, code=framework.code, version=framework.version)
    filename = f"{framework.code}-v{framework.version}.{fmt}"
    response = HttpResponse(body, content_type=exports.MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require(permissions.can_manage_frameworks)
def framework_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # The preview shows what would not add up; the confirmation asks to accept it.
            pending, datas = importing.stage(upload, sheet=form.cleaned_data["sheet"] or None, defaults=form.defaults(),
                                             normalise=form.cleaned_data["normalise_punctuation"])
        except services.FrameworkError as exc:
            context.update(error=exc.message, problems=exc.problems)
            return render(request, "frameworks/import.html", context)
        _discard_pending(request)
        request.session[_SESSION_KEY] = pending
        context.update(_preview(datas), filename=upload.name)
    return render(request, "frameworks/import.html", context)


def _preview(datas):
    return {
        "previews": [
            {"data": data, "grid": grid(data, translated=True), "counts": _counts(data),
             "exists": services.get_framework(data["code"]) is not None}
            for data in datas
        ],
        "warnings": datas.warnings,
        "needs_accept": any(w.get("code") == "points_mismatch" for w in datas.warnings),
    }


def _discard_pending(request):
    pending = request.session.pop(_SESSION_KEY, None)
    if pending:
        importing.discard_staged(pending)


@require_POST
@require(permissions.can_manage_frameworks)
def framework_import_confirm(request):
    pending = request.session.get(_SESSION_KEY)
    if not pending:
        messages.error(request, _("没有待确认的导入，请重新上传文件。"))
        return redirect("frameworks:import")
    accept = request.POST.get("accept_points_mismatch") == "on"
    try:
        datas = importing.read_staged(pending, accept_points_mismatch=accept)
        frameworks = importing.store(datas, user=request.user, request=request, source_name=pending["name"])
    except services.FrameworkError as exc:
        if exc.code == "points_mismatch":  # the box was not ticked: the same preview, asking again
            context = {"form": ImportForm(), "filename": pending["name"], "confirm_error": _("请勾选“分值合计与总分不一致，仍然导入”后再确认。")}
            context.update(_preview(importing.read_staged(pending, accept_points_mismatch=True)))
            return render(request, "frameworks/import.html", context)
        messages.error(request, exc.message)
        return redirect("frameworks:import")
    _discard_pending(request)
    for fw in frameworks:
        messages.success(request, _("已导入“%(name)s”（代码 %(code)s，第 %(v)d 版，草稿）。") % {"name": fw.name, "code": fw.code, "v": fw.version})
    for warning in datas.warnings:
        messages.warning(request, _where(warning))
    return redirect("frameworks:detail", code=frameworks[0].code)


def _where(problem):
    place = " ".join(str(x) for x in (problem.get("sheet"), problem.get("row") and _("第 %(n)s 行") % {"n": problem["row"]},
                                      problem.get("column") and _("%(c)s 列") % {"c": problem["column"]}) if x)
    return _("%(place)s：%(message)s") % {"place": place, "message": problem["message"]} if place else problem["message"]


@require_POST
@require(permissions.can_manage_frameworks)
def framework_action(request, code, action):
    framework = _framework_or_404(code, request.POST.get("version"))
    try:
        if action == "publish":
            services.publish(framework, user=request.user, request=request)
            messages.success(request, _("已发布第 %(v)d 版，此后不可再修改。") % {"v": framework.version})
        elif action == "new-version":
            new = services.new_version(framework, user=request.user, request=request)
            messages.success(request, _("已创建第 %(v)d 版（草稿）。") % {"v": new.version})
            return redirect(_detail_url(new))
        elif action == "delete":
            services.delete(framework, user=request.user, request=request)
            messages.success(request, _("已删除第 %(v)d 版。") % {"v": framework.version})
            return redirect("frameworks:list")
        else:
            raise Http404
    except services.FrameworkError as exc:
        messages.error(request, exc.message)
    return redirect(_detail_url(framework))


def _detail_url(framework):
    return f"{reverse('frameworks:detail', args=[framework.code])}?version={framework.version}"
