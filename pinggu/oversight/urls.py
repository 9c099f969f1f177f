"""Routes of the oversight pages. They keep the paths and `campaigns:` names they always had: pinggu/urls.py
serves them under /campaigns/ in the campaigns namespace, together with pinggu/campaigns/urls.py."""

from django.urls import path

from . import reminder_views, views

urlpatterns = [
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/progress/", views.dashboard, name="dashboard"),
    path("<int:pk>/matrix/", views.matrix, name="matrix"),
    path("<int:pk>/remind/", reminder_views.remind, name="remind"),
    path("<int:pk>/reminders/<int:batch>/", reminder_views.batch_page, name="reminder_batch"),
    path("<int:pk>/reminders/<int:batch>/retry/", reminder_views.retry, name="reminder_retry"),
    path("<int:pk>/deleted/", views.deleted_evidence, name="deleted"),
]
