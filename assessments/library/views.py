"""Counsellor pages of the instrument library."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from assessments.library import selectors as library_selectors
from assessments.respond import selectors as respond_selectors
from practice.tenancy import PracticeRequest, member_required


@member_required
def library(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    return render(
        request, "assessments/library.html", {"versions": library_selectors.instrument_library()}
    )


@member_required
def instrument_detail(request: PracticeRequest, practice_slug: str, slug: str) -> HttpResponse:
    versions = library_selectors.instrument_versions(slug=slug)
    return render(
        request,
        "assessments/instrument_detail.html",
        {
            "current": versions[0],
            "versions": versions,
            "areas": zip(
                versions[0].areas, respond_selectors.form_sections(version=versions[0]), strict=True
            ),
        },
    )


@member_required
def preview(
    request: PracticeRequest, practice_slug: str, slug: str, version: int, section: int = 1
) -> HttpResponse:
    """The form exactly as a client sees it, one section per page; nothing is saved."""
    instrument = library_selectors.instrument_version(slug=slug, version=version)
    sections = respond_selectors.form_sections(version=instrument)
    current = sections[min(max(section, 1), len(sections)) - 1]
    return render(
        request,
        "assessments/preview.html",
        {
            "instrument": instrument,
            "section": current,
            "section_count": len(sections),
            "answers": {},
        },
    )
