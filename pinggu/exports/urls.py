from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("campaigns/<int:pk>/export/", views.bundle_page, name="bundle_page"),
    path("campaigns/<int:pk>/export/build/", views.bundle_build, name="bundle_build"),
    path("campaigns/<int:pk>/export/progress.xlsx", views.progress_export, name="progress"),
    path("campaigns/<int:pk>/export/evidence.zip", views.bundle_export, name="bundle"),
    path("campaigns/<int:pk>/export/notice.docx", views.notice_export, name="notice"),
]
