from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pinggu.units.models import Unit

from .models import Role
from .passwords import StrengthValidator


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。"),
        "inactive": _("该账户已停用，请联系组织单位。"),
    }


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=StrengthValidator().get_help_text(),
    )
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("当前密码不正确。"))
        return value

    def clean_new_password1(self):
        # Checked here too, so a weak password and a mismatch are reported together.
        value = self.cleaned_data["new_password1"]
        password_validation.validate_password(value, self.user)
        return value

    def clean(self):
        data = super().clean()
        p1, p2 = self.data.get("new_password1"), data.get("new_password2")  # as typed, even when too weak
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), regex=r"^[A-Za-z0-9_.@+-]{2,150}$",
                                help_text=_("字母、数字和 _.@+-"))
    display_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=())
    unit: "forms.ModelChoiceField[Unit]" = forms.ModelChoiceField(label=_("所属单位（填报人必填）"), queryset=None, required=False, to_field_name="code")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["unit"].queryset = Unit.objects.alive()
