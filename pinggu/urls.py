from django.urls import include, path

from .api import api
from .campaigns import urls as campaign_urls
from .oversight import urls as oversight_urls

urlpatterns = [
    path("", include("pinggu.site.urls")),
    path("accounts/", include("pinggu.accounts.urls")),
    path("frameworks/", include("pinggu.frameworks.urls")),
    # One namespace for every /campaigns/ page, whether campaigns or oversight (above evidence) serves it.
    path("campaigns/", include((campaign_urls.urlpatterns + oversight_urls.urlpatterns, campaign_urls.app_name))),
    path("campaigns/", include("pinggu.reviews.results_urls")),
    path("", include("pinggu.evidence.urls")),
    path("", include("pinggu.exports.urls")),
    path("", include("pinggu.reviews.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]

handler500 = "pinggu.site.views.server_error"
