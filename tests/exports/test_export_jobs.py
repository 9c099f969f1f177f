"""Issue 10 §6: long result exports run as background tasks with their progress; the file is downloadable when
ready, by whoever asked (or an organizer), audited. The task runs as the worker would run it: the immediate
backend, when the request's transaction commits."""

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from pinggu.accounts.models import AuditEvent
from pinggu.exports import jobs, report_docx, results_data, summary_docx
from pinggu.exports.models import ExportJob
from pinggu.reviews.services import record_review

from ..conftest import make_user, token_for
from ..reviews.test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)
from .test_results_exports import finished  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

UNITS = ["u-a-甲县-评估报告.docx", "u-b-乙县-评估报告.docx", "u-c-丙县-评估报告.docx"]


def api(client, username):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, username)}"}

    def call(method, path, body=None):
        if method == "POST":
            return client.post(f"/api/v1/{path}", body or {}, content_type="application/json", **headers)
        return client.get(f"/api/v1/{path}", **headers)

    return call


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def start(call, campaign, kind, capture):
    with capture(execute=True):
        response = call("POST", f"campaigns/{campaign.pk}/export/jobs", {"kind": kind})
    assert response.status_code == 202, response.content
    return response.json()


@pytest.mark.both_storages
def test_reports_zip_job_counts_units_and_holds_one_report_per_unit(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    org = api(client, "org")
    queued = start(org, finished.campaign, "reports_zip", django_capture_on_commit_callbacks)
    # answered before the worker ran: queued, nothing counted yet
    assert (queued["state"], queued["done"], queued["total"], queued["file"]) == ("queued", 0, 0, None)
    progress = org("GET", f"export/jobs/{queued['id']}").json()
    assert (progress["state"], progress["done"], progress["total"]) == ("ready", 3, 3)
    assert progress["filename"].startswith("计分任务-评估报告-") and progress["file"] == f"/api/v1/export/jobs/{queued['id']}/file"
    response = org("GET", f"export/jobs/{queued['id']}/file")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert sorted(archive.namelist()) == UNITS
    for name in UNITS:
        Document(io.BytesIO(archive.read(name)))  # each one a Word document
    assert int(response["Content-Length"]) == progress["size"]
    events = AuditEvent.objects.filter(action__in=["export_job_start", "export_reports"]).order_by("id")
    assert [(e.action, e.details.get("job"), e.details.get("document")) for e in events] == [
        ("export_job_start", queued["id"], "reports_zip"), ("export_reports", queued["id"], "reports_zip")]


def test_the_builders_report_progress_unit_by_unit_and_step_by_step(finished):  # noqa: F811
    results = results_data.gather(finished.campaign)
    seen = []
    report_docx.write_zip(results, io.BytesIO(), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    seen.clear()
    summary_docx.build(results, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, summary_docx.STEPS) for n in range(1, summary_docx.STEPS + 1)]


def test_summary_and_scores_jobs_build_documents_that_open(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    org = api(client, "org")
    job = start(org, finished.campaign, "summary_docx", django_capture_on_commit_callbacks)
    progress = org("GET", f"export/jobs/{job['id']}").json()
    assert (progress["state"], progress["done"], progress["total"]) == ("ready", summary_docx.STEPS, summary_docx.STEPS)
    text = "\n".join(p.text for p in Document(io.BytesIO(body_of(org("GET", f"export/jobs/{job['id']}/file")))).paragraphs)
    assert "计分任务评估结果汇总" in text and "共有 3 家单位参评" in text
    job = start(org, finished.campaign, "scores_xlsx", django_capture_on_commit_callbacks)
    workbook = load_workbook(io.BytesIO(body_of(org("GET", f"export/jobs/{job['id']}/file"))))
    assert {"扣分明细", "整改情况", "整改率"} <= set(workbook.sheetnames)


def test_a_ready_job_is_reused_until_the_scores_change(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    org = api(client, "org")
    first = start(org, finished.campaign, "summary_docx", django_capture_on_commit_callbacks)
    again = start(org, finished.campaign, "summary_docx", django_capture_on_commit_callbacks)
    assert again["id"] == first["id"] and again["state"] == "ready"
    record_review(finished.enrollment(0), "a2-1", evaluator=finished.first, verdict="partial", score=5, reason="少一项")
    changed = start(org, finished.campaign, "summary_docx", django_capture_on_commit_callbacks)
    assert changed["id"] != first["id"] and changed["state"] == "queued"
    # the newer file replaces the older one, in the table and in storage
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [changed["id"]]
    assert org("GET", f"export/jobs/{first['id']}").status_code == 404
    reused = AuditEvent.objects.filter(action="export_job_start").order_by("id").values_list("details__reused", flat=True)
    assert list(reused) == [False, True, False]


def test_a_job_is_its_requesters(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    """eva2 is assigned to 甲县 only: its ZIP holds 甲县 alone, and no other evaluator reads it; an organizer may."""
    mine = start(api(client, "eva2"), finished.campaign, "reports_zip", django_capture_on_commit_callbacks)
    eva2 = api(client, "eva2")
    assert zipfile.ZipFile(io.BytesIO(body_of(eva2("GET", f"export/jobs/{mine['id']}/file")))).namelist() == UNITS[:1]
    other = api(client, "eva1")
    assert other("GET", f"export/jobs/{mine['id']}").status_code == 404
    assert other("GET", f"export/jobs/{mine['id']}/file").status_code == 404
    make_user("boss", role="viewer")
    for name in ("boss", "sub-u-a"):
        refused = api(client, name)
        assert refused("GET", f"export/jobs/{mine['id']}").status_code == 403
        assert refused("GET", f"export/jobs/{mine['id']}/file").status_code == 403
        assert refused("POST", f"campaigns/{finished.campaign.pk}/export/jobs", {"kind": "reports_zip"}).status_code == 403
    assert api(client, "org")("GET", f"export/jobs/{mine['id']}/file").status_code == 200
    # the web routes apply the same rule
    client.force_login(finished.first)
    assert client.get(f"/campaigns/{finished.campaign.pk}/export/jobs/{mine['id']}/").status_code == 404
    assert client.get(f"/campaigns/{finished.campaign.pk}/export/jobs/{mine['id']}/file").status_code == 404
    client.force_login(finished.subs[0])
    assert client.post(f"/campaigns/{finished.campaign.pk}/export/jobs/", {"kind": "reports_zip"}).status_code == 403
    assert ExportJob.objects.count() == 1


def test_unknown_kind_and_not_ready_are_refused(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    org = api(client, "org")
    assert org("POST", f"campaigns/{finished.campaign.pk}/export/jobs", {"kind": "everything"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=False):  # no worker yet
        queued = org("POST", f"campaigns/{finished.campaign.pk}/export/jobs", {"kind": "reports_zip"}).json()
    refused = org("GET", f"export/jobs/{queued['id']}/file")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")
    # asked again while it waits: the same job, not a second build
    with django_capture_on_commit_callbacks(execute=False):
        assert org("POST", f"campaigns/{finished.campaign.pk}/export/jobs", {"kind": "reports_zip"}).json()["id"] == queued["id"]


def test_a_failed_job_says_why_in_chinese_and_can_be_retried(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    """The account that asked is disabled before the worker runs: the job fails (it is not built with rights the
    person no longer has), says so, and another person's retry builds."""
    eva2 = api(client, "eva2")
    with django_capture_on_commit_callbacks(execute=False) as queued_tasks:
        job = eva2("POST", f"campaigns/{finished.campaign.pk}/export/jobs", {"kind": "summary_docx"}).json()
    finished.second.is_active = False
    finished.second.save()
    for run in queued_tasks:
        run()
    failed = ExportJob.objects.get(pk=job["id"])
    assert failed.state == "failed" and not failed.file and "无权" in failed.message
    shown = jobs.as_api(failed)
    assert shown["state"] == "failed" and shown["message"].startswith("生成失败：") and shown["file"] is None
    finished.second.is_active = True
    finished.second.save()
    retried = start(api(client, "eva2"), finished.campaign, "summary_docx", django_capture_on_commit_callbacks)
    assert retried["id"] != job["id"]
    assert api(client, "eva2")("GET", f"export/jobs/{retried['id']}").json()["state"] == "ready"
    # the failed one is cleared once a newer file is ready
    assert not ExportJob.objects.filter(pk=job["id"]).exists()


def test_the_failure_is_shown_on_the_results_page_with_a_retry_button(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(finished.organizer)
    with django_capture_on_commit_callbacks(execute=False) as queued_tasks:
        client.post(f"/campaigns/{finished.campaign.pk}/export/jobs/", {"kind": "reports_zip"}, HTTP_HX_REQUEST="true")
    finished.organizer.role = "viewer"  # no longer allowed to export when the worker runs
    finished.organizer.save()
    for run in queued_tasks:
        run()
    finished.organizer.role = "organizer"
    finished.organizer.save()
    page = client.get(f"/campaigns/{finished.campaign.pk}/results/").content.decode()
    assert "生成失败：申请人已无权导出该任务的评估结果。" in page and "重新生成全部单位评估报告（ZIP）" in page


def test_web_start_polls_then_links_the_file(client, finished, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(finished.organizer)
    cid = finished.campaign.pk
    page = client.get(f"/campaigns/{cid}/results/").content.decode()
    assert f'hx-post="/campaigns/{cid}/export/jobs/"' in page and 'value="summary_docx"' in page and 'value="reports_zip"' in page
    with django_capture_on_commit_callbacks(execute=False) as queued_tasks:
        widget = client.post(f"/campaigns/{cid}/export/jobs/", {"kind": "summary_docx"}, HTTP_HX_REQUEST="true")
    job = ExportJob.objects.get()
    html = widget.content.decode()
    assert widget.status_code == 200 and "<progress" in html and 'hx-trigger="every 1s"' in html
    assert f'hx-get="/campaigns/{cid}/export/jobs/{job.pk}/"' in html and "排队中" in html
    for run in queued_tasks:
        run()
    polled = client.get(f"/campaigns/{cid}/export/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in polled and f'href="/campaigns/{cid}/export/jobs/{job.pk}/file"' in polled
    response = client.get(f"/campaigns/{cid}/export/jobs/{job.pk}/file")
    assert response.status_code == 200
    Document(io.BytesIO(body_of(response)))
    # without htmx the button leads to a page that shows the same widget
    with django_capture_on_commit_callbacks(execute=True):
        redirect = client.post(f"/campaigns/{cid}/export/jobs/", {"kind": "reports_zip"})
    assert redirect.status_code == 302
    assert "下载全部单位评估报告（ZIP）" in client.get(redirect["Location"]).content.decode()
    # the campaign page shows the same panel
    assert 'value="reports_zip"' in client.get(f"/campaigns/{cid}/").content.decode()
