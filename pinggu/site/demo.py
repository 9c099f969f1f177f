"""Demo data, loaded idempotently: running it again creates only what is missing and changes nothing else.

`make run` calls this on every start, so it must never undo what people did in the demo: a changed
password, a renamed unit, an edited campaign stay as they are. Only `reset=True` (`pinggu demo --reset`)
sets the demo accounts' passwords again.

All people, phones and e-mail addresses here are fictional.
"""

import io
import secrets
from datetime import datetime, time, timedelta
from importlib import resources

from django.contrib.auth import password_validation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from pinggu.accounts.audit import record
from pinggu.accounts.models import ApiToken, AuditEvent, Role, User
from pinggu.accounts.services import end_sessions
from pinggu.campaigns import services as campaign_services
from pinggu.campaigns.models import Campaign, CampaignState, EvaluatorAssignment, Unit
from pinggu.evidence import services as evidence_services
from pinggu.frameworks import importing, services
from pinggu.frameworks.models import Framework
from pinggu.lib.dates import cn_datetime

from . import demo_results

BUNDLED = ["yulin-2020-county.yaml", "yulin-2020-department.yaml"]
CAMPAIGN_TITLE = "2020年全市政务公开绩效评估"
COUNTIES = ["榆阳区", "横山区", "神木市", "府谷县", "靖边县", "定边县", "绥德县", "米脂县", "佳县", "吴堡县", "清涧县", "子洲县"]
DEPARTMENTS = [
    "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局", "市公安局", "市民政局", "市司法局", "市财政局",
    "市人力资源和社会保障局", "市自然资源和规划局", "市生态环境局", "市住房和城乡建设局", "市交通运输局", "市水利局",
    "市农业农村局", "市商务局", "市文化和旅游局", "市卫生健康委员会", "市应急管理局", "市市场监督管理局",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
NOTICE = """各县市区人民政府，市人民政府各工作部门、各直属事业单位：

根据《榆林市人民政府办公室关于开展2020年全市政务公开绩效评估工作的通知》（榆政办函〔2020〕203号）要求，
2020年政务公开第三方评估工作已全面启动。为配合好此次评估工作，现将县级政府、市级部门评估工作印证材料报送清单发给你们（见附件），
请各县市区、各部门对照清单，在截止时间前通过本系统报送印证材料电子版。

**报送要求**

1. 每个考核点上传能够证明落实情况的文件（制度文件、会议纪要、工作台账、网页截图等），或填写本单位网站上相应网页的链接；
2. 确实不涉及的考核点，标记“不适用”并写明理由；
3. 全部完成后点击“确认报送”。报送后如需修改，请与联系人联系退回。

（演示数据：联系人、电话、邮箱均为虚构。）
"""


def bundled_frameworks():
    """The notice's two checklists shipped in the package, as dicts."""
    datas = []
    for name in BUNDLED:
        with resources.files("pinggu.frameworks").joinpath("data", name).open("rb") as fh:
            datas.extend(importing.read(name, fh))
    return datas


GIVEN_NAMES = ["晓明", "建华", "丽娟", "志强", "海燕", "文博", "雅琴"]


def _fictional_person(i):
    """A made-up contact: a common surname and given name, a 555 phone number."""
    return f"{SURNAMES[i % len(SURNAMES)]}{GIVEN_NAMES[i % len(GIVEN_NAMES)]}", f"0912-555{i:04d}"


def _user(username, role, password, *, unit=None, display_name="", must_change=False, reset=False):
    """The demo account `username`: created when missing; an existing one is touched only on reset.

    Returns (user, what happened): "created", "reset" or "kept".
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, unit=unit, display_name=display_name, must_change_password=must_change)
        user.set_password(password)
        user.save()
        record("account_create", obj=user, unit=unit, username=username, role=role, must_change_password=must_change, via="demo")
        return user, "created"
    if not reset:
        return user, "kept"
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    ApiToken.objects.filter(user=user).delete()
    end_sessions(user)
    record("password_reset", obj=user, username=username, via="demo")
    return user, "reset"


def _created_by_demo(action, key):
    """Objects the demo created once, by the value they had then (the audit log keeps it, whatever was renamed since)."""
    found = {}
    for object_id, details in AuditEvent.objects.filter(action=action, actor__isnull=True).order_by("pk").values_list(
            "object_id", "details"):
        value = (details or {}).get(key)
        if value is not None and object_id.isdigit():
            found.setdefault(value, int(object_id))
    return found


def _units():
    """The demo's units: those it created before (even if renamed or deleted since), the missing ones created now."""
    created_before = _created_by_demo("unit_create", "name")
    units = []
    for kind, names in (("county", COUNTIES), ("department", DEPARTMENTS)):
        for position, name in enumerate(names, 1):
            unit = None
            if name in created_before:
                unit = Unit.objects.filter(pk=created_before[name]).first()
            if unit is None:
                unit = Unit.objects.filter(name=name).first()
            if unit is None:
                i = len(units)
                person, phone = _fictional_person(i)
                # The notice's 主送 order: the counties, then the departments, each as listed above.
                unit = campaign_services.create_unit(
                    name=name, kind=kind, contact_name=person, contact_phone=phone,
                    contact_email=f"unit{i + 1:02d}@example.org", sort_key=position,
                )
            units.append(unit)
    return units


def sample_pdf(title):
    """A tiny valid one-page PDF (one line of Helvetica, so ASCII), so the sample materials open in a reader."""
    body = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _sample_materials(campaign, units, submitters):
    samples = {
        "榆阳区": [("C01", "file", "榆阳区政府常务会议列席制度.pdf"), ("C02", "file", "重大决策征求意见记录.pdf"),
                 ("C03", "link", "https://www.example.org/yyq/zcjd/2020/notice-101.html"),
                 ("C09", "file", "依申请公开工作制度（2020年修订）.pdf"), ("C26", "na", "本区门户网站已由市级平台统一承载，IPv6 改造由市级负责。")],
        "神木市": [("C01", "file", "神木市人民政府会议公开制度.pdf"), ("C11", "note", "已建立舆情回应责任制，见市政府办文件。")],
        "市教育局": [("C01", "file", "市教育局局务会议列席制度.pdf"), ("C29", "file", "向市政府公报报送文件台账.pdf")],
    }
    for unit in units:
        plan = samples.get(unit.name)
        if not plan:
            continue
        enrollment = campaign.enrollments.get(unit=unit)
        if enrollment.responses.exists():
            continue
        user = submitters[unit.pk]
        for code, kind, value in plan:
            if kind == "file":
                # Each sample its own text (so its own SHA-256), ASCII because the tiny PDF uses a standard font.
                upload = SimpleUploadedFile(value, sample_pdf(f"Pinggu demo material {unit.code} {code}"))
                evidence_services.add_file(enrollment, code, upload, user=user)
            elif kind == "link":
                evidence_services.add_link(enrollment, code, value, user=user)
            elif kind == "na":
                evidence_services.set_response(enrollment, code, status="not_applicable", note=value, user=user)
            else:
                evidence_services.set_response(enrollment, code, status="done", note=value, user=user)


def _demo_campaign():
    created_before = _created_by_demo("campaign_create", "title")
    if CAMPAIGN_TITLE in created_before:
        # Created once; if the organizer deleted it since, it stays deleted.
        return Campaign.objects.filter(pk=created_before[CAMPAIGN_TITLE]).first(), True
    return Campaign.objects.filter(title=CAMPAIGN_TITLE).first(), False


def _shown(outcomes, password):
    """What to print after an account name: the password if it was set now, otherwise that it was kept."""
    if all(o == "kept" for o in outcomes):
        return "（已存在，密码未改；用 pinggu demo --reset 重设）"
    if all(o != "kept" for o in outcomes):
        return password
    kept = sum(o == "kept" for o in outcomes)
    return f"{password}（新建的账户；另有 {kept} 个已存在，密码未改）"


@transaction.atomic
def load(password=None, reset=False):
    lines = []
    for data in bundled_frameworks():
        # Any version, deleted ones too: a checklist the organizer deleted stays deleted.
        if not Framework.objects.filter(code=data["code"]).exists():
            fw = services.create_framework(data, source_name=f"{data['code']}.yaml")
            lines.append(f"已载入指标体系：{fw.name}")
    if password is not None:
        # The demo accounts obey the same rules as everyone's (a ValidationError names what is wrong).
        password_validation.validate_password(password)
    else:
        password = secrets.token_urlsafe(9) + "A1!"
    # The organizer, evaluator and viewer log straight in to look around; the unit accounts show the
    # first-login flow real units go through (the generated accounts must change their password too).
    admin, admin_done = _user("admin", Role.ORGANIZER, password, display_name="演示组织单位管理员", reset=reset)
    evaluator, evaluator_done = _user("evaluator", Role.EVALUATOR, password, display_name="演示评估人员", reset=reset)
    leader, leader_done = _user("leader", Role.VIEWER, password, display_name="演示领导（只读）", reset=reset)
    units = _units()
    campaign, ever_created = _demo_campaign()
    if campaign is None and not ever_created:
        now = timezone.localtime()
        deadline = timezone.make_aware(datetime.combine((now + timedelta(days=14)).date(), time(17, 0)))
        campaign = campaign_services.create_campaign(
            title=CAMPAIGN_TITLE, year=2020, basis="榆政办函〔2020〕203号", issuer="榆林市政府政务信息化服务中心",
            contact_name="李明（演示）", contact_phone="0912-5550100", contact_email="pinggu-demo@example.org",
            notice=NOTICE, opens_at=now - timedelta(days=1), deadline=deadline,
            frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"},
        )
        campaign_services.enroll(campaign, units)
        campaign_services.change_state(campaign, CampaignState.OPEN)
        EvaluatorAssignment.objects.get_or_create(campaign=campaign, user=evaluator, unit=None)
        lines.append(f"已创建评估任务：{CAMPAIGN_TITLE}（截止 {cn_datetime(deadline)}），{len(units)} 个参评单位")
        new_campaign = True
    else:
        new_campaign = False
    submitters, outcomes = {}, []
    for unit in units:
        user = User.objects.filter(username=unit.code, unit=unit).first()
        if user is not None:
            user, outcome = _user(unit.code, Role.SUBMITTER, password, must_change=True, reset=reset)
            outcomes.append(outcome)
        else:
            user = User.objects.filter(role=Role.SUBMITTER, unit=unit).order_by("pk").first()
            if user is None and unit.deleted_at is None and not User.objects.filter(username=unit.code).exists():
                user, outcome = _user(unit.code, Role.SUBMITTER, password, unit=unit, display_name=f"{unit.name}填报人",
                                      must_change=True)
                outcomes.append(outcome)
        submitters[unit.pk] = user
    if new_campaign:
        _sample_materials(campaign, units, submitters)
    lines += demo_results.create(bundled=bundled_frameworks(), units=units, submitters=submitters, organizer=admin,
                                 evaluator=evaluator, created_before=_created_by_demo("campaign_create", "title"))
    lines.append(f"组织单位：admin / {_shown([admin_done], password)}")
    lines.append(f"评估人员：evaluator / {_shown([evaluator_done], password)}")
    lines.append(f"领导（只读）：leader / {_shown([leader_done], password)}")
    first = "，首次登录须改密码" if any(o != "kept" for o in outcomes) else ""
    lines.append(f"填报人（每个单位一个{first}）：如 {units[0].code}（{units[0].name}）、{units[12].code}（{units[12].name}）"
                 f" / {_shown(outcomes or ['kept'], password)}")
    return lines
