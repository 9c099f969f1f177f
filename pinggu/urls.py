from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("pinggu.site.urls")),
    path("accounts/", include("pinggu.accounts.urls")),
    path("frameworks/", include("pinggu.frameworks.urls")),
    path("campaigns/", include("pinggu.campaigns.urls")),
    path("", include("pinggu.evidence.urls")),
    path("", include("pinggu.exports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

handler500 = "pinggu.site.views.server_error"
