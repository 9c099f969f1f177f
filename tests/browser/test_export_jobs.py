"""Issue 10 §6 in the browser: the organizer asks for all units' reports on the results page; the job waits for
the worker with a progress bar that htmx refreshes, turns into a download link when the worker has built it, and
the ZIP downloads with one report per unit. Tasks go to the database queue, as in production; the test then runs
the queued task's function (the worker's part), while the page keeps polling."""

import io
import zipfile

import pytest

from pinggu.exports.models import ExportJob
from pinggu.exports.tasks import run_export_job

from ..reviews.test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)
from .test_accessibility import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reports_zip_is_built_in_the_background_and_downloads(page, live_server, scored, settings, axe_log):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    review_all(scored, 0)
    review_all(scored, 1)
    to_reviewing(scored.campaign)
    cid = scored.campaign.pk
    log_in(page, live_server, scored.organizer, "zh-hans")
    page.goto(f"/campaigns/{cid}/results/")
    page.get_by_role("button", name="生成全部单位评估报告（ZIP）").click()
    widget = page.locator("#export-reports_zip")
    widget.locator("progress").wait_for()
    assert "排队中" in widget.inner_text()
    assert widget.get_by_role("button").is_disabled()  # no second build while this one waits
    job = ExportJob.objects.get()
    assert job.state == "queued"
    run_export_job.call(job.pk)  # what `pinggu worker` does with the queued task
    link = widget.get_by_role("link", name="下载全部单位评估报告（ZIP）")
    link.wait_for(timeout=10000)  # the widget polls every second
    assert widget.locator("progress").count() == 0
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("计分任务-评估报告-")
    with open(download.value.path(), "rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert sorted(names) == ["u-a-甲县-评估报告.docx", "u-b-乙县-评估报告.docx", "u-c-丙县-评估报告.docx"]
    page.reload()  # the finished job stays on the page
    assert page.get_by_role("link", name="下载全部单位评估报告（ZIP）").count() == 1
