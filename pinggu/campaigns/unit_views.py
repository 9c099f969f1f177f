from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require
from pinggu.errors import DomainError
from pinggu.frameworks.models import UnitKind

from . import lookups, services, unit_io
from .forms import FileForm, UnitForm
from .models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require(permissions.can_view_units)
def unit_list(request):
    units = Unit.objects.alive().select_related("kind").ordered()
    kind = request.GET.get("kind")
    if kind:
        units = units.filter(kind__code=kind)
    return render(request, "campaigns/units.html", {"units": units, "kinds": UnitKind.objects.all(), "kind": kind})


def _save_unit(request, unit=None):
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "kind", "code", "sort_key", "contact_name", "contact_phone",
                                                   "contact_email")}
        try:
            if unit is None:
                services.create_unit(**data, user=request.user, request=request)
                messages.success(request, _("已新建单位“%(n)s”。") % {"n": data["name"]})
            else:
                unit.refresh_from_db()
                services.update_unit(unit, **data, user=request.user, request=request)
                messages.success(request, _("已保存。"))
            return redirect("campaigns:units")
        except DomainError as exc:
            lookups.form_errors(form, exc)
    return render(request, "campaigns/unit_form.html", {"form": form, "unit": unit})


@require(permissions.can_manage_units)
def unit_create(request):
    return _save_unit(request)


@require(permissions.can_manage_units)
def unit_edit(request, code):
    return _save_unit(request, get_object_or_404(Unit.objects.alive(), code=code))


@require(permissions.can_manage_units)
def unit_import(request):
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = unit_io.import_units(upload.name, upload, user=request.user, request=request)
        except DomainError as exc:
            return render(request, "campaigns/units_import_errors.html", {"error": exc.message, "problems": exc.extra.get("errors", [])})
        messages.success(request, _("已导入 %(n)d 个单位。") % {"n": len(created)})
    return redirect("campaigns:units")


@require(permissions.can_view_units)
def unit_export(request):
    record("units_export", request=request)
    response = HttpResponse(unit_io.to_xlsx(Unit.objects.alive().select_related("kind").ordered()), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="units.xlsx"'
    return response
