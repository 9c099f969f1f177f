"""Units, campaigns and enrollment. Views, API, CLI and the demo call these."""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from pypinyin import Style, lazy_pinyin

from pinggu.accounts import services as account_services
from pinggu.accounts.audit import record
from pinggu.accounts.models import Role, User
from pinggu.errors import DomainError
from pinggu.frameworks.models import Framework, UnitKind
from pinggu.lib.dates import local_datetime
from pinggu.textlimits import bounded, max_length

from .models import (
    MAX_SORT_KEY,
    Campaign,
    CampaignFramework,
    CampaignState,
    Enrollment,
    EnrollmentState,
    EvaluatorAssignment,
    EvaluatorRole,
    Unit,
)
from .signals import campaign_state_changed, enrollment_state_changed
from .tasks import send_notice


class CampaignError(DomainError):
    """A refused change to campaigns, units or evidence."""


def iso_local(value: datetime | None) -> str | None:
    """ISO 8601 in Asia/Shanghai, the form every API answer uses."""
    return timezone.localtime(value).isoformat() if value else None


# --- Units -------------------------------------------------------------------------

UNIT_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def resolve_kind(value: UnitKind | str | None) -> UnitKind:
    """A unit kind from its code or its Chinese name."""
    if isinstance(value, UnitKind):
        return value
    value = (value or "").strip()
    UnitKind.objects.ensure_defaults()
    kind = UnitKind.objects.filter(code=value).first() or UnitKind.objects.filter(name=value).first()
    if kind is None:
        names = "、".join(UnitKind.objects.values_list("name", flat=True))
        raise CampaignError(_("单位类型“%(k)s”不存在，可选：%(names)s。") % {"k": value, "names": names}, code="invalid_kind")
    return kind


def suggest_unit_code(name: str, taken: Iterable[str] = ()) -> str:
    """Pinyin initials of the name (榆阳区 -> yyq), numbered when taken."""
    base = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    base = re.sub(r"[^a-z0-9]", "", base)[:30] or "unit"
    taken = set(taken) | set(Unit.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"




def clean_sort_key(value: object) -> int | None:
    """A unit's sort key from a form, a file or the API: a whole number 0–999999, or empty (None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip())  # Excel may give 3 as "3.0"
    except ValueError:
        raise ValueError(_("排序号应为 0 到 %(n)d 之间的整数。") % {"n": MAX_SORT_KEY}) from None
    if not number.is_integer():
        raise ValueError(_("排序号应为 0 到 %(n)d 之间的整数。") % {"n": MAX_SORT_KEY})
    number = int(number)
    if not 0 <= number <= MAX_SORT_KEY:
        raise ValueError(_("排序号应为 0 到 %(n)d 之间的整数。") % {"n": MAX_SORT_KEY})
    return number


def clean_unit_fields(
    name: str | None, kind: UnitKind | str | None, code: str | None, contact_name: str | None, contact_phone: str | None,
    contact_email: str | None, sort_key: object = None,
) -> tuple[dict[str, str], dict[str, Any]]:
    problems: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        problems["name"] = _("名称不能为空。")
    elif len(name) > 100:
        problems["name"] = _("名称最长 100 个字符。")
    try:
        kind = resolve_kind(kind)
    except CampaignError as exc:
        problems["kind"] = exc.message
    code = (code or "").strip().lower()
    if code and not UNIT_CODE_RE.match(code):
        problems["code"] = _("代码只能使用小写字母、数字和连字符（如 yyq）。")
    email = (contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["contact_email"] = _("邮箱格式不正确：%(e)s") % {"e": email}
    try:
        sort_key = clean_sort_key(sort_key)
    except ValueError as exc:
        problems["sort_key"] = str(exc)
        sort_key = None
    return problems, {
        "name": name, "kind": kind, "code": code,
        "contact_name": (contact_name or "").strip()[:50], "contact_phone": (contact_phone or "").strip()[:40],
        "contact_email": email, "sort_key": sort_key,
    }


def create_unit(*, name: str, kind: UnitKind | str, code: str = "", contact_name: str = "", contact_phone: str = "",
                contact_email: str = "", sort_key: object = None, user: User | None = None, request: HttpRequest | None = None) -> Unit:
    problems, data = clean_unit_fields(name, kind, code, contact_name, contact_phone, contact_email, sort_key)
    if problems:
        raise CampaignError(" ".join(problems.values()), code="invalid_unit", fields=problems)
    if Unit.objects.filter(name=data["name"]).exists():
        raise CampaignError(_("已有名为“%(n)s”的单位。") % {"n": data["name"]}, code="duplicate_unit", status=409)
    if data["code"] and Unit.objects.filter(code=data["code"]).exists():
        raise CampaignError(_("代码“%(c)s”已被使用。") % {"c": data["code"]}, code="duplicate_code", status=409)
    data["code"] = data["code"] or suggest_unit_code(data["name"])
    try:
        with transaction.atomic():
            unit = Unit.objects.create(**data)
    except IntegrityError:
        raise CampaignError(_("单位名称或代码已被使用。"), code="duplicate_unit", status=409) from None
    record("unit_create", actor=user, request=request, obj=unit, unit=unit, name=unit.name, code=unit.code)
    return unit


UNSET = object()


def update_unit(unit: Unit, *, user: User | None = None, request: HttpRequest | None = None, sort_key: object = UNSET, **fields: Any) -> Unit:
    """Change the fields given (None leaves a field as it is; sort_key=None clears the sort key)."""
    current = {k: getattr(unit, k)
               for k in ("name", "kind", "code", "contact_name", "contact_phone", "contact_email", "sort_key")}
    current.update({k: v for k, v in fields.items() if v is not None})
    if sort_key is not UNSET:
        current["sort_key"] = sort_key
    problems, data = clean_unit_fields(**current)
    if problems:
        raise CampaignError(" ".join(problems.values()), code="invalid_unit", fields=problems)
    if Unit.objects.exclude(pk=unit.pk).filter(name=data["name"]).exists():
        raise CampaignError(_("已有名为“%(n)s”的单位。") % {"n": data["name"]}, code="duplicate_unit", status=409)
    if Unit.objects.exclude(pk=unit.pk).filter(code=data["code"]).exists():
        raise CampaignError(_("代码“%(c)s”已被使用。") % {"c": data["code"]}, code="duplicate_code", status=409)
    changed = {k: str(v) for k, v in data.items() if getattr(unit, k) != v}
    for key, value in data.items():
        setattr(unit, key, value)
    unit.save()
    record("unit_update", actor=user, request=request, obj=unit, unit=unit, changed=changed)
    return unit


# --- Campaigns ---------------------------------------------------------------------

CAMPAIGN_FIELDS = ("title", "year", "basis", "issuer", "contact_name", "contact_phone", "contact_email", "notice",
                   "opens_at", "deadline", "max_file_bytes", "unit_quota_bytes")
TRANSITIONS: dict[str, set[str]] = {
    CampaignState.DRAFT: {CampaignState.OPEN},
    CampaignState.OPEN: {CampaignState.CLOSED, CampaignState.DRAFT},
    CampaignState.CLOSED: {CampaignState.OPEN, CampaignState.REVIEWING},
    CampaignState.REVIEWING: {CampaignState.PUBLISHED, CampaignState.CLOSED},
    CampaignState.PUBLISHED: {CampaignState.REVIEWING},
}
# The organizer's actions on a campaign and the states in which they still apply. Once review starts the
# units and their submissions are fixed: no new units, no new accounts, no returns or extensions (returns
# for supplement during review are the review's own). Pages offer an action only where `action_refusal`
# is None, and the services refuse it elsewhere, so a hidden button cannot still be posted.
ACTION_STATES = {
    "enroll": {CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED},
    "create_accounts": {CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED},
    "reopen": {CampaignState.OPEN, CampaignState.CLOSED},
    "extend": {CampaignState.OPEN, CampaignState.CLOSED},
}
ACTION_LABELS = {"enroll": pgettext_lazy("campaign action", "报名参评单位"),
                 "create_accounts": pgettext_lazy("campaign action", "生成填报账户"),
                 "reopen": pgettext_lazy("campaign action", "退回单位的报送"),
                 "extend": pgettext_lazy("campaign action", "为单位延期")}
# Why an action is still offered where that is not obvious.
ACTION_NOTES: dict[tuple[str, str], Any] = {
    (CampaignState.CLOSED, "enroll"): gettext_lazy("报送已截止：新报名的单位须延期后才能报送。"),
    (CampaignState.CLOSED, "reopen"): gettext_lazy("报送已截止：退回的单位须同时延期才能修改。"),
    (CampaignState.CLOSED, "extend"): gettext_lazy("报送已截止：延期的单位在新的截止时间前仍可修改和报送。"),
}


def _check_campaign(data: dict[str, Any]) -> None:
    problems: dict[str, str] = {}
    if not (data.get("title") or "").strip():
        problems["title"] = _("标题不能为空。")
    year = data.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        problems["year"] = _("年度无效。")
    opens_at, deadline = data.get("opens_at"), data.get("deadline")
    for key, value in (("opens_at", opens_at), ("deadline", deadline)):
        if value is None:
            problems[key] = _("请填写日期和时间。")
        elif timezone.is_naive(value):
            problems[key] = _("时间必须带时区。")
    if opens_at and deadline and not problems.get("deadline") and deadline <= opens_at:
        problems["deadline"] = _("截止时间必须晚于开始时间。")
    email = data.get("contact_email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["contact_email"] = _("邮箱格式不正确。")
    for key in ("max_file_bytes", "unit_quota_bytes"):
        if data.get(key) is not None and data[key] <= 0:
            problems[key] = _("上限必须大于 0。")
    if problems:
        raise CampaignError(" ".join(problems.values()), code="invalid_campaign", fields=problems)


def _set_frameworks(campaign: Campaign, frameworks: Mapping[Any, Any] | None) -> None:
    """frameworks: {unit_kind code or name: framework code or Framework}. Uses the newest published version."""
    for kind_key, fw in (frameworks or {}).items():
        kind = resolve_kind(kind_key)
        if not isinstance(fw, Framework):
            code = fw
            fw = Framework.objects.alive().filter(code=code, status="published").order_by("-version").first()
            if fw is None:
                raise CampaignError(_("没有已发布的指标体系“%(c)s”。") % {"c": code}, code="invalid_framework")
        if not fw.is_published:
            raise CampaignError(_("只能使用已发布的指标体系。"), code="invalid_framework")
        if campaign.enrollments.filter(unit__kind=kind).exclude(framework=fw).filter(responses__isnull=False).exists():
            raise CampaignError(_("已有%(k)s开始填报，不能再更换其指标体系。") % {"k": kind.name}, code="framework_in_use", status=409)
        CampaignFramework.objects.update_or_create(campaign=campaign, unit_kind=kind, defaults={"framework": fw})
        campaign.enrollments.filter(unit__kind=kind).update(framework=fw)


@transaction.atomic
def create_campaign(*, frameworks: Mapping[Any, Any] | None = None, user: User | None = None, request: HttpRequest | None = None, **fields: Any) -> Campaign:
    data = {k: fields.get(k) for k in CAMPAIGN_FIELDS if fields.get(k) is not None}
    _check_campaign(data)
    campaign = Campaign.objects.create(created_by=user if user and user.pk else None, **data)
    _set_frameworks(campaign, frameworks)
    record("campaign_create", actor=user, request=request, obj=campaign, campaign=campaign, title=campaign.title)
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign, *, frameworks: Mapping[Any, Any] | None = None, state: str | None = None, user: User | None = None, request: HttpRequest | None = None, **fields: Any,
) -> Campaign:
    changes = {k: v for k, v in fields.items() if k in CAMPAIGN_FIELDS and v is not None}
    merged = {k: getattr(campaign, k) for k in CAMPAIGN_FIELDS}
    merged.update(changes)
    _check_campaign(merged)
    changed: dict[str, Any] = {k: str(v) for k, v in changes.items() if getattr(campaign, k) != v}
    for key, value in changes.items():
        setattr(campaign, key, value)
    campaign.save()
    if frameworks:
        _set_frameworks(campaign, frameworks)
        changed["frameworks"] = {str(k): str(v) for k, v in frameworks.items()}
    if changed:
        record("campaign_update", actor=user, request=request, obj=campaign, campaign=campaign, changed=changed)
    if state and state != campaign.state:
        change_state(campaign, state, user=user, request=request)
    return campaign


def action_refusal(campaign: Campaign, action: str) -> CampaignError | None:
    """Why `action` (a key of ACTION_STATES) no longer applies to the campaign in its state, or None when it does."""
    if campaign.state in ACTION_STATES[action]:
        return None
    return CampaignError(
        _("任务状态为“%(s)s”，不能再%(a)s。") % {"s": campaign.get_state_display(), "a": ACTION_LABELS[action]},
        code="not_in_this_state", status=409,
    )


def campaign_actions(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """For pages: each action -> {"allowed": bool, "note": why it is still allowed, if that needs saying}."""
    return {action: {"allowed": action_refusal(campaign, action) is None, "note": ACTION_NOTES.get((campaign.state, action), "")}
            for action in ACTION_STATES}


def _refuse_unless(campaign: Campaign, action: str) -> None:
    refusal = action_refusal(campaign, action)
    if refusal is not None:
        raise refusal


def change_state(campaign: Campaign, state: str, *, user: User | None = None, request: HttpRequest | None = None) -> Campaign:
    if state not in CampaignState.values:
        raise CampaignError(_("状态“%(s)s”无效。") % {"s": state}, code="invalid_state")
    if state not in TRANSITIONS[campaign.state]:
        raise CampaignError(
            _("不能从“%(a)s”变为“%(b)s”。") % {"a": campaign.get_state_display(), "b": CampaignState(state).label},
            code="invalid_transition", status=409,
        )
    if state == CampaignState.OPEN and not campaign.framework_links.exists():
        raise CampaignError(_("请先为各类单位选择指标体系，再开始报送。"), code="no_framework", status=409)
    before = campaign.state
    campaign.state = state
    campaign.save(update_fields=["state"])
    record("campaign_state", actor=user, request=request, obj=campaign, campaign=campaign, before=before, after=state)
    campaign_state_changed.send(sender=Campaign, campaign=campaign, before=before, after=state)
    return campaign


@transaction.atomic
def enroll_codes(campaign: Campaign, codes: Sequence[str], *, user: User | None = None,
                 request: HttpRequest | None = None) -> list[Enrollment]:
    """Enroll the units with these codes; an unknown (or deleted) code refuses the whole request."""
    units = list(Unit.objects.alive().select_related("kind").filter(code__in=codes))
    unknown = sorted(set(codes) - {u.code for u in units})
    if unknown:
        raise CampaignError(_("找不到这些单位：%(c)s。") % {"c": "、".join(unknown)}, code="unknown_units", unit_codes=unknown)
    return enroll(campaign, units, user=user, request=request)


def enroll(campaign: Campaign, units: Sequence[Unit], *, user: User | None = None, request: HttpRequest | None = None) -> list[Enrollment]:
    """Enroll units (each gets its kind's checklist). Returns the new enrollments; enrolling twice is harmless."""
    _refuse_unless(campaign, "enroll")
    links = {link.unit_kind_id: link.framework for link in campaign.framework_links.select_related("framework")}
    missing = sorted({u.kind.name for u in units if u.kind_id not in links})
    if missing:
        raise CampaignError(
            _("本任务还没有为“%(k)s”选择指标体系。") % {"k": "、".join(missing)}, code="no_framework_for_kind", status=409
        )
    already = set(campaign.enrollments.values_list("unit_id", flat=True))
    new = [Enrollment(campaign=campaign, unit=u, framework=links[u.kind_id]) for u in units if u.pk not in already]
    Enrollment.objects.bulk_create(new, ignore_conflicts=True)
    for enrollment in new:
        record("enroll", actor=user, request=request, campaign=campaign, unit=enrollment.unit, unit_name=enrollment.unit.name)
    return new


# --- Deadlines, reopening, extensions --------------------------------------------------

@dataclass(frozen=True)
class OpenRound:
    """An open 退回补充 round (issue 10 §4): the unit may write only to `points` until `due`."""

    number: int
    due: datetime
    points: frozenset[str]


def _no_rounds(enrollment: Enrollment) -> OpenRound | None:
    return None


# The reviews app (above this layer) tells which round of a returned unit is open: set in its ready().
_open_round_finder: Callable[[Enrollment], OpenRound | None] = _no_rounds


def register_open_round_finder(finder: Callable[[Enrollment], OpenRound | None]) -> None:
    global _open_round_finder
    _open_round_finder = finder


def open_round(enrollment: Enrollment) -> OpenRound | None:
    """The open return round of a returned unit (None for any other unit: no query)."""
    if enrollment.state != EnrollmentState.RETURNED:
        return None
    return _open_round_finder(enrollment)


def write_window(*, campaign_state: str, opens_at: datetime, now: datetime, enrollment_state: str, deadline: datetime,
                 extension_runs: bool, round_: OpenRound | None = None, point: str | None = None) -> str | None:
    """THE write-window rule of a unit: None while its materials may change, else why not (a code).

    Everything that asks "may this unit write now?" reads this one function: every write
    (web, API, upload, 说明, submit) through write_refusal, the workspace's buttons, and the
    dashboard's 逾期 (is_overdue). `deadline` is the unit's effective deadline (its extension if
    later than the campaign's); `extension_runs`: an extension is granted and has not passed.
    A unit returned (退回) after the deadline without an extension stays closed: a return gives
    back the right to submit, not time; the organizer extends it too (the return form says so).
    A return round (issue 10 §4, `round_`) replaces the deadline with the round's due time and the campaign's
    报送 period with the whole evaluation (open, closed or reviewing), and opens only its points: `point`, the
    code of the point written to (None for the unit as a whole, e.g. submit). A running extension later than
    the due time extends the round.
    """
    if round_ is not None and enrollment_state == EnrollmentState.RETURNED:
        if campaign_state not in (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.REVIEWING):
            return "not_open_state"
        # The organizer's 延期 (running) extends a round past its due time too, as it does the deadline.
        if now > (max(round_.due, deadline) if extension_runs else round_.due):
            return "round_due_passed"
        if point is not None and point not in round_.points:
            return "point_not_returned"
        return None
    if campaign_state == CampaignState.DRAFT:
        return "not_open"
    if now > deadline:
        return "deadline_passed"
    # A closed campaign still takes changes from a unit whose extension runs.
    if campaign_state != CampaignState.OPEN and not (campaign_state == CampaignState.CLOSED and extension_runs):
        return "not_open_state"
    if now < opens_at:
        return "not_yet_open"
    if enrollment_state == EnrollmentState.SUBMITTED:
        return "submitted"
    return None


def window_of(enrollment: Enrollment, now: datetime | None = None, point: str | None = None) -> str | None:
    """write_window for one enrollment (its campaign loaded); `point`: the code of the point written to."""
    now = now or timezone.now()
    return write_window(
        campaign_state=enrollment.campaign.state, opens_at=enrollment.campaign.opens_at, now=now,
        enrollment_state=enrollment.state, deadline=enrollment.effective_deadline,
        extension_runs=enrollment.extended_deadline is not None and now <= enrollment.extended_deadline,
        round_=open_round(enrollment), point=point,
    )


def is_overdue(enrollment: Enrollment, now: datetime | None = None) -> bool:
    """逾期 on the dashboard: the window closed on its deadline before the unit submitted.

    A returned unit stays 已退回 past its deadline: the organizer returned it and extends it if needed.
    """
    return (enrollment.state in (EnrollmentState.NOT_STARTED, EnrollmentState.IN_PROGRESS)
            and window_of(enrollment, now) == "deadline_passed")


def write_refusal(enrollment: Enrollment, now: datetime | None = None, point: str | None = None) -> CampaignError | None:
    """Why this unit's materials (or its point `point`) can't be changed right now (write_window, in words), or
    None when they can."""
    now = now or timezone.now()
    code = window_of(enrollment, now, point)
    if code is None:
        return None
    campaign = enrollment.campaign
    contact = campaign.contact_line
    if code == "point_not_returned":
        return CampaignError(_("考核点“%(c)s”未被退回补充，本轮只能补充被退回的考核点。") % {"c": point},
                             code="point_not_returned", status=409)
    if code == "round_due_passed":
        round_ = open_round(enrollment)
        due = round_.due if round_ else enrollment.effective_deadline
        return CampaignError(_("退回补充的截止时间（%(d)s）已过，不能再修改。") % {"d": local_datetime(due)},
                             code="deadline_passed", status=410, deadline=iso_local(due))
    if code == "not_open":
        return CampaignError(_("本任务尚未开始报送。"), code="not_open", status=409)
    if code == "deadline_passed":
        deadline = enrollment.effective_deadline
        message = _("报送截止时间（%(d)s）已过，不能再修改。") % {"d": local_datetime(deadline)}
        if contact:
            message += _("如确需补报，请联系 %(c)s 申请延期。") % {"c": contact}
        return CampaignError(message, code="deadline_passed", status=410, deadline=iso_local(deadline))
    if code == "not_open_state":
        return CampaignError(
            _("本任务当前状态为“%(s)s”，不接受修改。") % {"s": campaign.get_state_display()}, code="not_open", status=409
        )
    if code == "not_yet_open":
        return CampaignError(_("报送将于 %(d)s 开始。") % {"d": local_datetime(campaign.opens_at)}, code="not_yet_open", status=409)
    message = _("本单位已确认报送，材料已锁定。")
    if contact:
        message += _("如需修改，请联系 %(c)s 退回。") % {"c": contact}
    return CampaignError(message, code="submitted", status=409)


def ensure_writable(enrollment: Enrollment, now: datetime | None = None, point: str | None = None) -> None:
    refusal = write_refusal(enrollment, now, point)
    if refusal is not None:
        raise refusal


# --- Enrollment states ----------------------------------------------------------------

# Every change of a unit's state goes through change_enrollment_state, which reads this table.
# An upload after a return leaves the unit 已退回 (the reason stays in sight) until it resubmits.
ENROLLMENT_TRANSITIONS: dict[str, set[str]] = {
    EnrollmentState.NOT_STARTED: {EnrollmentState.IN_PROGRESS, EnrollmentState.SUBMITTED},
    EnrollmentState.IN_PROGRESS: {EnrollmentState.SUBMITTED},
    EnrollmentState.SUBMITTED: {EnrollmentState.RETURNED},
    EnrollmentState.RETURNED: {EnrollmentState.SUBMITTED},
}
# The audit action of each target state.
ENROLLMENT_ACTIONS: dict[str, str] = {
    EnrollmentState.IN_PROGRESS: "enrollment_start", EnrollmentState.SUBMITTED: "submit", EnrollmentState.RETURNED: "reopen",
}


def enrollment_sources(state: str) -> list[str]:
    """The states an enrollment may move to `state` from."""
    return sorted(before for before, after in ENROLLMENT_TRANSITIONS.items() if state in after)


def _refused_transition(enrollment: Enrollment, to: str) -> CampaignError:
    if to == EnrollmentState.SUBMITTED and enrollment.state == EnrollmentState.SUBMITTED:
        return CampaignError(_("已经报送过了。"), code="submitted", status=409)
    if to == EnrollmentState.RETURNED:
        return CampaignError(_("该单位尚未报送，无需退回。"), code="not_submitted", status=409)
    return CampaignError(
        _("不能从“%(a)s”变为“%(b)s”。") % {"a": enrollment.get_state_display(), "b": EnrollmentState(to).label},
        code="invalid_transition", status=409,
    )


def _enrollment_changed(
    enrollment: Enrollment, before: str, after: str, *, user: User | None, request: HttpRequest | None, reason: str,
    details: dict[str, Any],
) -> None:
    record(ENROLLMENT_ACTIONS[after], actor=user, request=request, campaign=enrollment.campaign, unit=enrollment.unit,
           before=before, after=after, **({"reason": reason} if reason else {}), **details)
    enrollment_state_changed.send(sender=Enrollment, enrollment=enrollment, before=before, after=after, user=user,
                                  reason=reason)


def change_enrollment_state(
    enrollment: Enrollment, to: str, *, user: User | None = None, reason: str = "", request: HttpRequest | None = None, **details: Any,
) -> Enrollment:
    """Move a unit to `to`: lock its row, check the table, stamp the state's fields, audit, signal.

    `details` go into the audit event (the submit's empty points, say). Returns the locked, updated row.
    """
    with transaction.atomic():
        locked = (Enrollment.objects.select_for_update(of=("self",)).select_related("campaign", "unit")
                  .get(pk=enrollment.pk))
        before = locked.state
        if to not in ENROLLMENT_TRANSITIONS.get(before, ()):
            raise _refused_transition(locked, to)
        now = timezone.now()
        locked.state = to
        fields = ["state"]
        if to == EnrollmentState.SUBMITTED:
            locked.submitted_at = locked.last_activity_at = now
            locked.empty_at_submit = details.get("empty_count", 0)
            fields += ["submitted_at", "last_activity_at", "empty_at_submit"]
        elif to == EnrollmentState.RETURNED:
            locked.returned_at, locked.returned_by, locked.return_reason = now, user if user and user.pk else None, reason
            fields += ["returned_at", "returned_by", "return_reason"]
        else:
            locked.last_activity_at = now
            fields.append("last_activity_at")
        locked.save(update_fields=fields)
        _enrollment_changed(locked, before, to, user=user, request=request, reason=reason, details=details)
    for name in fields:
        setattr(enrollment, name, getattr(locked, name))
    return locked


def enrollment_record(enrollment: Enrollment) -> dict[str, Any]:
    """What the organizer did to this unit's submission, as the API shows it (the dashboard's rows too)."""
    return {
        "submitted_incomplete": enrollment.submitted_incomplete, "empty_at_submit": enrollment.empty_at_submit,
        "return_reason": enrollment.return_reason or None,
        "returned_by": enrollment.returned_by.get_username() if enrollment.returned_by else None,
        "returned_at": iso_local(enrollment.returned_at),
        "extension_reason": enrollment.extension_reason or None,
        "extended_by": enrollment.extended_by.get_username() if enrollment.extended_by else None,
        "extended_at": iso_local(enrollment.extended_at),
    }


def touch_enrollment(locked: Enrollment, *, user: User | None = None, request: HttpRequest | None = None) -> None:
    """Record activity on a unit whose row the caller has locked; the first change starts it (未开始 → 填报中).

    The hot path of every upload: once started, one UPDATE. The start itself goes through
    change_enrollment_state, so the table decides which states it starts from.
    """
    if locked.state in enrollment_sources(EnrollmentState.IN_PROGRESS):
        change_enrollment_state(locked, EnrollmentState.IN_PROGRESS, user=user, request=request)
    else:
        Enrollment.objects.filter(pk=locked.pk).update(last_activity_at=timezone.now())


def _notify(enrollment: Enrollment, kind: str) -> None:
    """Tell the unit by mail, once the change is committed (the workspace banner is the in-app notice)."""
    transaction.on_commit(lambda: send_notice.enqueue(enrollment.pk, kind))


def reopen(enrollment: Enrollment, reason: str, *, user: User | None = None, request: HttpRequest | None = None) -> Enrollment:
    """退回: the unit's submission goes back to it, with the reason, who and when; the unit is told."""
    _refuse_unless(enrollment.campaign, "reopen")
    reason = bounded(reason, max_length(Enrollment, "return_reason"), _("退回原因"))
    if not reason:
        raise CampaignError(_("请填写退回原因。"), code="reason_required")
    change_enrollment_state(enrollment, EnrollmentState.RETURNED, user=user, reason=reason, request=request)
    _notify(enrollment, "return")
    return enrollment


def extend(enrollment: Enrollment, deadline: datetime, reason: str, *, user: User | None = None, request: HttpRequest | None = None) -> Enrollment:
    _refuse_unless(enrollment.campaign, "extend")
    reason = bounded(reason, max_length(Enrollment, "extension_reason"), _("延期原因"))
    if not reason:
        raise CampaignError(_("请填写延期原因。"), code="reason_required")
    if deadline is None or timezone.is_naive(deadline):
        raise CampaignError(_("请填写新的截止日期和时间。"), code="invalid_deadline")
    if deadline <= timezone.now():
        raise CampaignError(_("新的截止时间必须晚于现在。"), code="invalid_deadline")
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
        before = locked.extended_deadline
        enrollment.extended_deadline = deadline
        enrollment.extension_reason = reason
        enrollment.extended_at = timezone.now()
        enrollment.extended_by = user if user and user.pk else None
        enrollment.save(update_fields=["extended_deadline", "extension_reason", "extended_at", "extended_by"])
        record("extension", actor=user, request=request, campaign=enrollment.campaign, unit=enrollment.unit,
               deadline=iso_local(deadline), before=iso_local(before), reason=reason)
    _notify(enrollment, "extension")
    return enrollment


def create_accounts(campaign: Campaign, *, by: User | None = None, request: HttpRequest | None = None) -> list[tuple[Unit, str, str]]:
    """One submitter account per enrolled unit that has none. Returns [(unit, username, one-time password)]."""
    _refuse_unless(campaign, "create_accounts")
    units = [e.unit for e in campaign.enrollments.select_related("unit")]
    return account_services.create_unit_accounts(units, by=by, request=request)


def assign_evaluator(
    campaign: Campaign, evaluator: User, unit: Unit | None = None, *, role: str = EvaluatorRole.FIRST, user: User | None = None,
    request: HttpRequest | None = None,
) -> EvaluatorAssignment:
    """Let an evaluator reach one unit of the campaign, or all of them (unit=None), as first evaluator or 复核."""
    if evaluator.role != Role.EVALUATOR:
        raise CampaignError(_("只能指派评估人员账户。"), code="not_evaluator")
    if unit is not None and not campaign.enrollments.filter(unit=unit).exists():
        raise CampaignError(_("该单位没有参加本任务。"), code="not_enrolled")
    assignment, created = EvaluatorAssignment.objects.get_or_create(campaign=campaign, user=evaluator, unit=unit,
                                                                    defaults={"role": role})
    if created or assignment.role != role:
        if not created:
            assignment.role = role
            assignment.save(update_fields=["role"])
        record("evaluator_assign", actor=user, request=request, campaign=campaign, unit=unit,
               evaluator=evaluator.username, scope="all" if unit is None else unit.code, role=role)
    return assignment


def unassign_evaluator(assignment: EvaluatorAssignment, *, user: User | None = None, request: HttpRequest | None = None) -> None:
    record("evaluator_unassign", actor=user, request=request, campaign=assignment.campaign, unit=assignment.unit,
           evaluator=assignment.user.username)
    assignment.delete()
