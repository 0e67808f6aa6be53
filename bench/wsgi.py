"""gunicorn entry point for the page benchmarks (`gunicorn bench.wsgi:application`).

The product's WSGI application, plus two floors that exist only here, so the product carries
no benchmark code:

- `/bench/bare`: a trivial JSON response answered before Django (gunicorn's own cost);
- `/bench/bare-django`: a Django view returning a small JsonResponse through the product's full
  middleware stack, with no database query.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

# The bench URLconf is the product's plus `/bench/bare-django`; set before the first request.
settings.ROOT_URLCONF = "bench.urls"
django_application = get_wsgi_application()

BARE_BODY = b'{"status":"ok"}'


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/bench/bare":
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(BARE_BODY)))],
        )
        return [BARE_BODY]
    return django_application(environ, start_response)
