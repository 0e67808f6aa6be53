"""PDFs drawn by WeasyPrint from the same HTML templates and print stylesheet as the pages, so a
printed page and its PDF cannot drift apart.

WeasyPrint renders with the `print` media type, so the page's own `@media print` rules apply; the
PDF stylesheet (static/css/pdf.css) adds only what a browser's print dialog decides by itself:
page size, margins, the running footer with page numbers, and the font stack (a Unicode font
with a CJK fallback, found through fontconfig).

Every resource the HTML names goes through `StaticFilesOnly`, which reads our own static files
from disk and refuses anything else, so rendering a PDF never makes a network request.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.templatetags.static import static

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

PDF_STYLESHEET = "css/pdf.css"
# The origin relative URLs resolve against when there is no request (a PDF made outside a view).
# It names no real host: the fetcher only ever maps it onto files on disk.
DEFAULT_BASE_URL = "http://localhost/"


class PdfResourceRefused(ValueError):
    """A PDF's HTML named a resource that is not one of our static files."""


def static_file(path: str) -> Path | None:
    """The file on disk behind a path under STATIC_URL, or None: a source file (what the page
    names in development), else a collected one (in production the page names the hashed
    copies that only collectstatic writes)."""
    if not path or any(part in {"", ".", ".."} for part in path.split("/")):
        return None
    found = finders.find(path)
    if isinstance(found, str):
        return Path(found)
    if staticfiles_storage.exists(path):
        return Path(staticfiles_storage.path(path))
    return None


def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        """Serves the static files under `static_base` from disk and refuses every other URL.
        A refusal stops the rendering (`fail_on_errors`): a PDF that silently lost its
        stylesheet, or quietly skipped a remote image, is worse than an error."""

        def __init__(self, static_base: str) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
            self.static_base = static_base

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            address = f"{parts.scheme}://{parts.netloc}{parts.path}"
            if not address.startswith(self.static_base):
                raise PdfResourceRefused(f"A PDF may only load our static files, not {url!r}")
            found = static_file(unquote(address.removeprefix(self.static_base)))
            if found is None:
                raise PdfResourceRefused(f"No static file at {url!r}")
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, found.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticFilesOnly


def static_files_fetcher(base_url: str) -> Any:
    """A WeasyPrint URL fetcher that serves only the static files under `base_url`'s origin."""
    return _fetcher_class()(urljoin(base_url, settings.STATIC_URL))


def render_pdf(request: HttpRequest | None, template: str, context: dict[str, Any]) -> bytes:
    """`template` rendered with `context` (and the request's context processors, if any), as
    an A4 PDF laid out by the print stylesheet and the PDF stylesheet."""
    # Imported here: loading WeasyPrint and its libraries takes most of a second, which every
    # process start (web workers, Celery, management commands) would pay for nothing.
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError

    # A PDF shows no flash messages (print hides them), so it must not use up the ones waiting
    # for the next page.
    html = render_to_string(template, {"messages": (), **context}, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else DEFAULT_BASE_URL
    fetcher = static_files_fetcher(base_url)
    try:
        stylesheet = CSS(url=urljoin(base_url, static(PDF_STYLESHEET)), url_fetcher=fetcher)
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    except FatalURLFetchingError as error:
        # WeasyPrint's error is a BaseException, which would slip past Django's handling of a
        # failed request; the refusal it carries is an ordinary one.
        raise PdfResourceRefused(str(error.__cause__ or error)) from error
    return pdf
