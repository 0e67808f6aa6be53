"""The product's URLconf plus one bench-only view; used by bench/wsgi.py only."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path

from practice.urls import urlpatterns as product_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare-django", bare),
    *cast("list[URLPattern | URLResolver]", product_urlpatterns),
]
