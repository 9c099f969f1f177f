"""Issue 8, bugs 1 and 18: `make run` on an existing data directory never undoes what people did in the demo."""

import re
import shlex
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from pinggu.accounts import services as account_services
from pinggu.accounts.models import Role, User
from pinggu.campaigns import services as campaign_services
from pinggu.campaigns.models import Campaign, Unit
from pinggu.site import demo

pytestmark = pytest.mark.django_db

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def make_run_demo_args():
    """The arguments `make run` gives `pinggu demo`, read from the Makefile so this test follows it."""
    text = MAKEFILE.read_text()
    variables = dict(re.findall(r"^(\w+) \?= (.*)$", text, re.M))
    line = next(line for line in text.splitlines() if "pinggu demo" in line and line.startswith("\t"))
    line = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), ""), line.split("pinggu demo", 1)[1])
    return shlex.split(line), variables["DEMO_PASSWORD"]


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def can_login(username, password):
    return User.objects.get(username=username).check_password(password)


def test_restart_keeps_a_changed_password():
    args, demo_password = make_run_demo_args()
    run_demo(*args)
    for name in ("yyq", "admin"):
        account_services.change_password(User.objects.get(username=name), "Changed-by-me-2020")
    out = run_demo(*args)  # what `make run` does on every start
    for name in ("yyq", "admin"):
        assert can_login(name, "Changed-by-me-2020"), name
        assert not can_login(name, demo_password), name
    assert demo_password not in out
    assert "admin / （已存在，密码未改" in out


def test_restart_keeps_an_edited_campaign_and_units():
    args, _ = make_run_demo_args()
    run_demo(*args)
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)
    new_deadline = campaign.deadline + timedelta(days=3)
    campaign_services.update_campaign(campaign, title="2020年度评估（已改名）", deadline=new_deadline)
    unit = Unit.objects.get(code="yyq")
    campaign_services.update_unit(unit, name="榆阳区人民政府", code="yuyang", sort_key=99)
    counts = (Campaign.objects.count(), Unit.objects.count(), User.objects.count(), campaign.enrollments.count())
    run_demo(*args)
    campaign.refresh_from_db()
    unit.refresh_from_db()
    assert (Campaign.objects.count(), Unit.objects.count(), User.objects.count(), campaign.enrollments.count()) == counts
    assert campaign.title == "2020年度评估（已改名）" and campaign.deadline == new_deadline
    assert (unit.name, unit.code, unit.sort_key) == ("榆阳区人民政府", "yuyang", 99)


def test_restart_leaves_a_deleted_assignment_deleted():
    args, _ = make_run_demo_args()
    run_demo(*args)
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)
    campaign.assignments.all().delete()
    run_demo(*args)
    assert not campaign.assignments.exists()


def test_reset_is_explicit():
    args, demo_password = make_run_demo_args()
    run_demo(*args)
    account_services.change_password(User.objects.get(username="yyq"), "Changed-by-me-2020")
    out = run_demo("--reset", "--password", "Reset-Passw0rd!")
    assert can_login("admin", "Reset-Passw0rd!")
    yyq = User.objects.get(username="yyq")
    assert yyq.check_password("Reset-Passw0rd!") and yyq.must_change_password
    assert "Reset-Passw0rd!" in out and "已存在" not in out


def test_demo_accounts_roles_and_first_login():
    out = run_demo("--password", "Demo-Passw0rd!")
    admin, evaluator, leader = (User.objects.get(username=n) for n in ("admin", "evaluator", "leader"))
    assert (admin.role, evaluator.role, leader.role) == (Role.ORGANIZER, Role.EVALUATOR, Role.VIEWER)
    # Staff accounts log straight in to look around; unit accounts show the first-login password change.
    assert not admin.must_change_password and not evaluator.must_change_password and not leader.must_change_password
    submitters = User.objects.filter(role=Role.SUBMITTER)
    assert submitters.count() == len(demo.COUNTIES) + len(demo.DEPARTMENTS)
    assert all(u.must_change_password for u in submitters)
    assert "领导（只读）：leader / Demo-Passw0rd!" in out
    assert "首次登录须改密码" in out


def test_a_new_demo_account_is_added_to_an_old_demo():
    """An instance loaded before the viewer existed gets it on the next start; the others keep their passwords."""
    run_demo("--password", "Demo-Passw0rd!")
    User.objects.filter(username="leader").delete()
    out = run_demo("--password", "Other-Passw0rd!")
    assert User.objects.get(username="leader").check_password("Other-Passw0rd!")
    assert User.objects.get(username="admin").check_password("Demo-Passw0rd!")
    assert "leader / Other-Passw0rd!" in out and "admin / （已存在，密码未改" in out


def test_demo_units_follow_the_notice_order():
    run_demo("--password", "Demo-Passw0rd!")
    assert [u.name for u in Unit.objects.alive()] == demo.COUNTIES + demo.DEPARTMENTS


def test_demo_has_a_finished_scored_campaign_made_once():
    """Issue 10 §8: last year's campaign, reviewed and published with the ranking; a restart changes nothing of it."""
    from pinggu.reviews import selectors
    from pinggu.reviews.models import Review
    from pinggu.site import demo_results

    run_demo("--password", "Demo-Passw0rd!")
    finished = Campaign.objects.get(title=demo_results.FINISHED_TITLE)
    assert finished.state == "published" and finished.results.ranking_published
    assert finished.enrollments.count() == len(demo.COUNTIES) + len(demo.DEPARTMENTS)
    rows = selectors.unit_scores(finished)["units"]
    assert all(r["reviewed"] == r["points"] == 36 and r["total"] is not None for r in rows)
    vetoed = next(r for r in rows if r["unit_name"] == demo_results.VETOED_UNIT)
    assert vetoed["vetoed"] and vetoed["rank"] == len(demo.COUNTIES) and vetoed["grade"] == "不合格"
    assert len({r["grade"] for r in rows}) >= 3  # the results screens show more than one band
    framework = finished.enrollments.first().framework
    assert framework.scoring_mode == "points" and sum(cp.points for cp in framework.checkpoints.all()) == 100
    # What people changed stays: a review changed, the campaign renamed; a restart adds nothing.
    review = Review.objects.filter(enrollment__campaign=finished).first()
    Review.objects.filter(pk=review.pk).update(reason="评估人员改过")
    campaign_services.update_campaign(finished, title="2019年度（已改名）")
    reviews = Review.objects.count()
    run_demo("--password", "Demo-Passw0rd!")
    assert Campaign.objects.filter(title__startswith="2019").count() == 1
    assert Review.objects.count() == reviews and Review.objects.get(pk=review.pk).reason == "评估人员改过"


def test_demo_results_have_objections_and_rectifications_in_every_state():
    """Issue 10 §8: published a few days ago, inside the objection window; objections pending, upheld (the score
    and the ranking changed) and rejected, rectifications done with material and under way, made through the
    services (audited); a restart adds none and keeps what people answered."""
    from pinggu.accounts.models import AuditEvent
    from pinggu.reviews import objections as objection_services
    from pinggu.reviews import selectors
    from pinggu.reviews.models import Objection, Rectification, Review
    from pinggu.reviews.rectification import rectification_rates
    from pinggu.site import demo_results

    run_demo("--password", "Demo-Passw0rd!")
    finished = Campaign.objects.get(title=demo_results.FINISHED_TITLE)
    assert objection_services.window_open(finished)
    objections = Objection.objects.filter(enrollment__campaign=finished)
    assert {o.state for o in objections} == {"pending", "upheld", "rejected"}
    upheld = objections.get(state="upheld")
    assert upheld.new_score == upheld.checkpoint.points > upheld.previous_score and upheld.reply
    assert objections.get(state="rejected").reply
    assert all(o.created_at > finished.results.published_at for o in objections)
    rects = Rectification.objects.filter(enrollment__campaign=finished)
    assert rects.filter(done=True).exclude(url="").exists() and rects.filter(done=False).exclude(measures="").exists()
    rates = {r["unit_name"]: r for r in rectification_rates(finished)["units"]}
    assert rates["靖边县"]["done"] == 0 < rates["市教育局"]["done"] and rates["佳县"]["done"] == 0
    for action, n in (("objection", objections.count()), ("objection_upheld", 1), ("objection_rejected", 1),
                      ("rectification", rects.count()), ("rectification_remind", 1)):
        assert AuditEvent.objects.filter(action=action).count() == n, action
    # The review screen has material to preview, and one unit went through a round of 退回补充 (its new link is 新).
    from pinggu.evidence.models import Evidence
    from pinggu.reviews.models import ReturnRound
    from pinggu.reviews.returns import new_since

    assert Evidence.objects.filter(response__enrollment__campaign=finished, kind="file").count() >= 3
    round_ = ReturnRound.objects.get(enrollment__campaign=finished)
    assert round_.resubmitted_at is not None and round_.enrollment.state == "submitted"
    assert round_.created_at < round_.resubmitted_at < finished.results.published_at
    since = new_since(round_.enrollment)
    assert Evidence.objects.filter(response__enrollment=round_.enrollment, uploaded_at__gt=since).count() == 1
    # The upheld score counts, and it moved the unit up the ranking (its rank with the old score was lower).
    def rank_of(name):
        return next(r for r in selectors.unit_scores(finished)["units"] if r["unit_name"] == name)["rank"]

    upheld_unit = upheld.enrollment.unit.name
    now_rank = rank_of(upheld_unit)
    review = Review.objects.get(enrollment=upheld.enrollment, checkpoint=upheld.checkpoint)
    Review.objects.filter(pk=review.pk).update(score=upheld.previous_score, verdict="partial")
    assert rank_of(upheld_unit) > now_rank
    Review.objects.filter(pk=review.pk).update(score=review.score, verdict=review.verdict)
    # An objection the evaluator answers in the demo stays answered; a restart adds nothing.
    pending = objections.filter(state="pending").first()
    objection_services.answer_objection(pending, user=User.objects.get(username="evaluator"), decision="rejected",
                                        reply="维持原评分")
    counts = (Objection.objects.count(), Rectification.objects.count())
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()  # ids, not a count: PostgreSQL
    run_demo("--password", "Demo-Passw0rd!")
    assert Objection.objects.get(pk=pending.pk).state == "rejected"
    assert (Objection.objects.count(), Rectification.objects.count()) == counts
    assert not AuditEvent.objects.filter(action__startswith="objection", pk__gt=last_event).exists()
