from django import forms
from django.utils.translation import gettext_lazy as _

from pinggu.frameworks.models import Framework, UnitKind
from pinggu.textlimits import REASON

from .models import Campaign, Unit


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker; values are read in Asia/Shanghai."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateTimeLocalField(forms.DateTimeField):
    widget = DateTimeLocalInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "code", "kind", "sort_key", "contact_name", "contact_phone", "contact_email"]
        help_texts = {"code": _("留空则按名称拼音首字母自动生成，如 榆阳区 → yyq。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False


class FileForm(forms.Form):
    file = forms.FileField(label=_("文件"))


class CampaignForm(forms.ModelForm):
    opens_at = DateTimeLocalField(label=_("开始报送时间"))
    deadline = DateTimeLocalField(label=_("报送截止时间"))
    max_file_mb = forms.IntegerField(label=_("单个文件上限（MB）"), min_value=1, initial=200)
    unit_quota_mb = forms.IntegerField(label=_("每单位总量上限（MB）"), min_value=1, initial=2048)

    class Meta:
        model = Campaign
        fields = ["title", "year", "basis", "issuer", "contact_name", "contact_phone", "contact_email", "opens_at",
                  "deadline", "notice"]
        widgets = {"notice": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = list(UnitKind.objects.all())
        published = Framework.objects.latest_versions().filter(status="published").select_related("unit_kind")
        current = {}
        if self.instance.pk:
            current = {link.unit_kind_id: link.framework.code for link in self.instance.framework_links.select_related("framework")}
            self.fields["max_file_mb"].initial = self.instance.max_file_bytes // (1024 * 1024)
            self.fields["unit_quota_mb"].initial = self.instance.unit_quota_bytes // (1024 * 1024)
        for kind in self.kinds:
            choices = [("", _("（本任务不含此类单位）"))] + [
                (fw.code, _("%(name)s（%(year)s，v%(version)s）") % {"name": fw.name, "year": fw.year, "version": fw.version})
                for fw in published if fw.unit_kind_id == kind.pk
            ] + [(fw.code, _("%(name)s（%(kind)s，v%(version)s）") % {"name": fw.name, "kind": fw.unit_kind.label, "version": fw.version})
                 for fw in published if fw.unit_kind_id != kind.pk]
            self.fields[f"framework_{kind.code}"] = forms.ChoiceField(
                label=_("%(k)s使用的清单") % {"k": kind.label}, choices=choices, required=False, initial=current.get(kind.pk, "")
            )

    def framework_fields(self):
        return [self[f"framework_{kind.code}"] for kind in self.kinds]

    def frameworks(self):
        return {kind.code: self.cleaned_data[f"framework_{kind.code}"] for kind in self.kinds if self.cleaned_data.get(f"framework_{kind.code}")}

    def campaign_fields(self):
        data = {k: self.cleaned_data[k] for k in self.Meta.fields}
        data["max_file_bytes"] = self.cleaned_data["max_file_mb"] * 1024 * 1024
        data["unit_quota_bytes"] = self.cleaned_data["unit_quota_mb"] * 1024 * 1024
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=REASON)


class ExtensionForm(forms.Form):
    deadline = DateTimeLocalField(label=_("延期至"))
    reason = forms.CharField(label=_("延期原因"), max_length=500)
