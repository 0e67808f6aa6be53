from __future__ import annotations

from django.contrib import admin
from django.urls import path
from django.views.generic import TemplateView

from practice.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", TemplateView.as_view(template_name="practice/welcome.html"), name="welcome"),
    path("admin/", admin.site.urls),
]
