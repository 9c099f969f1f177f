from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("campaigns/<int:pk>/units/<slug:unit>/", views.workspace, name="workspace"),
    path("campaigns/<int:pk>/units/<slug:unit>/submit/", views.submit, name="submit"),
    path("campaigns/<int:pk>/units/<slug:unit>/receipt/", views.receipt, name="receipt"),
    path("campaigns/<int:pk>/units/<slug:unit>/receipt.docx", views.receipt_download, name="receipt_docx"),
    path("campaigns/<int:pk>/units/<slug:unit>/reminders/read/", views.reminder_read, name="reminder_read"),
    path("campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/upload/", views.upload, name="upload"),
    path("campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/link/", views.add_link, name="link"),
    path("campaigns/<int:pk>/units/<slug:unit>/points/<str:code>/response/", views.set_response, name="response"),
    path("evidence/<int:evidence_id>/download/", views.download, name="download"),
    path("evidence/<int:evidence_id>/preview/", views.preview, name="preview"),
    path("evidence/<int:evidence_id>/inline/", views.inline, name="inline"),
    path("evidence/<int:evidence_id>/delete/", views.delete, name="delete"),
    path("evidence/<int:evidence_id>/restore/", views.restore, name="restore"),
]
