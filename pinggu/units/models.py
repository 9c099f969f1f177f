"""Units (参评单位) and their kinds: the base every other app refers to, importing none of them."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

# The names are data (the organizer may rename a kind or add others); the bundled ones are also in the
# English catalog, so `UnitKind.label` shows them in English while a renamed or added kind shows as written.
DEFAULT_UNIT_KINDS = [
    ("county", gettext_noop("县级政府"), 1),
    ("department", gettext_noop("市级部门"), 2),
    ("institution", gettext_noop("直属事业单位"), 3),
]


class UnitKindQuerySet(models.QuerySet):
    def ensure_defaults(self):
        """The three kinds of the notice always exist (created by a migration; restored if removed)."""
        if not self.model.objects.exists():
            for code, name, order in DEFAULT_UNIT_KINDS:
                self.model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        return self.model.objects.all()


class UnitKind(models.Model):
    """The kind of body a checklist applies to (县级政府, 市级部门, ...). Extensible by the organizer."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = UnitKindQuerySet.as_manager()

    class Meta:
        db_table = "frameworks_unitkind"  # the table it had before it moved here (keeps existing data)
        ordering = ["order", "id"]
        verbose_name = _("单位类型")
        verbose_name_plural = _("单位类型")

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The name in the active language where the catalog knows it (the bundled kinds), else as written."""
        return gettext(self.name)


PINYIN_MAX = 400
MAX_SORT_KEY = 999_999


def pinyin_key(text):
    """Chinese names in the order people expect: by pinyin (横山区 before 榆阳区)."""
    return " ".join(lazy_pinyin(text or ""))[:PINYIN_MAX]


def unit_ordering(prefix=""):
    """The one order of units on every list, page and file: by kind, then the organizer's sort key (the notice's
    主送 order; units without one come after), then the name's pinyin. `prefix` reaches units through a relation
    ("unit__"). `unit_sort_key` is the same order in Python."""
    return [f"{prefix}kind__order", f"{prefix}kind_id", F(f"{prefix}sort_key").asc(nulls_last=True),
            f"{prefix}name_pinyin", f"{prefix}code"]


def unit_sort_key(unit):
    """`unit_ordering` for units already fetched (with their kind)."""
    return (unit.kind.order, unit.kind_id, unit.sort_key is None, unit.sort_key or 0, unit.name_pinyin or pinyin_key(unit.name),
            unit.code)


class UnitQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def ordered(self):
        return self.order_by(*unit_ordering())


class Unit(models.Model):
    """A government body that submits evidence (参评单位)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, verbose_name=_("类型"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("电话"), max_length=40, blank=True)
    contact_email = models.EmailField(_("邮箱"), blank=True)
    sort_key = models.PositiveIntegerField(_("排序号"), null=True, blank=True, validators=[MaxValueValidator(MAX_SORT_KEY)],
                                           help_text=_("同类单位按排序号排列（如通知主送顺序）；不填的排在后面，按名称拼音排列"))
    # Kept beside the name so the database can sort by it (see unit_ordering).
    name_pinyin = models.CharField(max_length=PINYIN_MAX, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        db_table = "campaigns_unit"  # the table it had before it moved here (keeps existing data)
        ordering = unit_ordering()
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)
