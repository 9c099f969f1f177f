from django.urls import path

from . import unit_views, views

# The campaign pages that count or list evidence are in pinggu/oversight/urls.py, under the same
# /campaigns/ paths and campaigns: names (joined in pinggu/urls.py).
app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/enroll/", views.campaign_enroll, name="enroll"),
    path("<int:pk>/state/", views.campaign_state, name="state"),
    path("<int:pk>/accounts/", views.create_accounts, name="accounts"),
    path("<int:pk>/evaluators/", views.evaluators, name="evaluators"),
    path("<int:pk>/notice/", views.notice_page, name="notice"),
    path("<int:pk>/notice/<slug:kind>.<str:fmt>", views.attachment, name="attachment"),
    path("<int:pk>/units/<slug:unit>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/units/<slug:unit>/extension/", views.extension, name="extension"),
    path("units/", unit_views.unit_list, name="units"),
    path("units/new/", unit_views.unit_create, name="unit_create"),
    path("units/import/", unit_views.unit_import, name="unit_import"),
    path("units/export.xlsx", unit_views.unit_export, name="unit_export"),
    path("units/<slug:code>/", unit_views.unit_edit, name="unit_edit"),
]
