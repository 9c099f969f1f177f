from django import forms
from django.utils.translation import gettext_lazy as _

from .models import UnitKind


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("Excel 工作簿（.xlsx）、Word 文档（.docx），或 Pinggu 导出的 .yaml / .json 文件。"))
    sheet = forms.CharField(label=_("只导入此工作表"), required=False, help_text=_("留空则每个工作表导入为一个指标体系。"))
    name = forms.CharField(label=_("名称"), required=False, help_text=_("留空则取表格标题或工作表名。"))
    code = forms.SlugField(label=_("代码"), required=False, help_text=_("小写字母、数字和连字符，如 yulin-2021-county；代码相同则成为新版本。"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1990, max_value=2100)
    unit_kind = forms.ModelChoiceField(label=_("适用单位类型"), queryset=UnitKind.objects.all(), required=False, to_field_name="code")
    normalise_punctuation = forms.BooleanField(
        label=_("中文之间的半角标点改为全角"), required=False, initial=True,
        help_text=_("如“规定,对”改为“规定，对”，“(一)”改为“（一）”；网址、数字（1,000、3.5）和英文不变。"),
    )

    def defaults(self):
        data = self.cleaned_data
        return {
            "code": data.get("code") or None,
            "name": data.get("name") or None,
            "year": data.get("year"),
            "unit_kind": data["unit_kind"].code if data.get("unit_kind") else None,
        }
