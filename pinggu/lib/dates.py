"""Dates for people: Chinese in Chinese, English in English; 公文 always Chinese.

Templates follow the same rule with a translated format string, e.g. `{{ d|date:_("n月j日 H:i") }}`.
"""

from datetime import datetime

from django.utils import dateformat, timezone
from django.utils.translation import gettext


def cn_datetime(value: datetime) -> str:
    """2020年12月11日 17:00, in Asia/Shanghai — for documents, which are always Chinese."""
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def local_datetime(value: datetime) -> str:
    """The date and time in the active language: 2020年12月11日 17:00, or 11 Dec 2020 17:00."""
    # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date).
    return dateformat.format(timezone.localtime(value), gettext("Y年n月j日 H:i"))
