from django.urls import path

from . import job_views, results_views, views

app_name = "exports"
urlpatterns = [
    path("campaigns/<int:pk>/export/", views.bundle_page, name="bundle_page"),
    path("campaigns/<int:pk>/export/build/", views.bundle_build, name="bundle_build"),
    path("campaigns/<int:pk>/export/progress.xlsx", views.progress_export, name="progress"),
    path("campaigns/<int:pk>/export/evidence.zip", views.bundle_export, name="bundle"),
    path("campaigns/<int:pk>/export/notice.docx", views.notice_export, name="notice"),
    path("campaigns/<int:pk>/export/scores.xlsx", results_views.scores_export, name="scores"),
    path("campaigns/<int:pk>/export/reports.zip", results_views.reports_export, name="reports"),
    path("campaigns/<int:pk>/export/summary.docx", results_views.summary_export, name="summary"),
    path("campaigns/<int:pk>/export/jobs/", job_views.job_start, name="job_start"),
    path("campaigns/<int:pk>/export/jobs/<int:job>/", job_views.job_status, name="job"),
    path("campaigns/<int:pk>/export/jobs/<int:job>/file", job_views.job_file, name="job_file"),
    path("campaigns/<int:pk>/units/<slug:unit>/report.docx", results_views.report_export, name="report"),
]
