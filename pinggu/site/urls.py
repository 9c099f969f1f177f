from django.urls import path

from . import health, views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Normally answered by HealthCheckMiddleware before the host check; the route names it and serves it without.
    path("healthz", health.healthz, name="healthz"),
]
