"""Routes of the results pages (issue 10 §5), served under /campaigns/ by pinggu/urls.py."""

from django.urls import path

from . import results_views as views

app_name = "results"

urlpatterns = [
    path("<int:pk>/results/", views.results_page, name="campaign"),
    path("<int:pk>/results/<str:action>/", views.results_action, name="action"),
    path("<int:pk>/objections/<int:objection>/answer/", views.answer, name="answer"),
    path("<int:pk>/rectification/", views.rectification_page, name="rectification"),
    path("<int:pk>/rectification/remind/", views.rectification_remind, name="rectification_remind"),
    path("<int:pk>/units/<slug:unit>/results/", views.unit_results, name="unit"),
    path("<int:pk>/units/<slug:unit>/points/<str:code>/objection/", views.object_to, name="object"),
    path("<int:pk>/units/<slug:unit>/points/<str:code>/rectification/", views.rectify, name="rectify"),
]
