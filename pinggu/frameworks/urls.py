from django.urls import path

from . import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("import/", views.framework_import, name="import"),
    path("import/confirm/", views.framework_import_confirm, name="import_confirm"),
    path("<slug:code>/", views.framework_detail, name="detail"),
    path("<slug:code>/export.<str:fmt>", views.framework_export, name="export"),
    path("<slug:code>/<str:action>/", views.framework_action, name="action"),
]
