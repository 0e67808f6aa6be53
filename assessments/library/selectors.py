"""Reads of the instrument and topic library (global rows, shared by every practice)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import (
    InstrumentVersion,
    Topic,
)

# The columns a list or a select never shows: the full definition and the long texts.
HEAVY_VERSION_FIELDS = ("definition", "description", "client_intro", "source")


def instrument_library() -> QuerySet[InstrumentVersion]:
    """The current version of every instrument, for the library and the assign form."""
    return InstrumentVersion.objects.current().select_related("instrument").order_by("title")


def instrument_versions(*, slug: str) -> list[InstrumentVersion]:
    versions = list(
        InstrumentVersion.objects.filter(instrument__slug=slug)
        .select_related("instrument")
        .order_by("-version")
    )
    if not versions:
        raise Http404
    return versions


def instrument_version(*, slug: str, version: int) -> InstrumentVersion:
    return get_object_or_404(
        InstrumentVersion.objects.select_related("instrument"),
        instrument__slug=slug,
        version=version,
    )


def assign_choices() -> QuerySet[InstrumentVersion]:
    """The library's current versions, light enough for a select."""
    return instrument_library().defer(*HEAVY_VERSION_FIELDS)


def topic_library() -> QuerySet[Topic]:
    return Topic.objects.order_by("slug")


def topic_by_slug(*, slug: str) -> Topic:
    return get_object_or_404(topic_library(), slug=slug)


def current_instrument_version(*, slug: str) -> InstrumentVersion:
    """The current version of an instrument of the library, or 404."""
    version = instrument_library().filter(instrument__slug=slug).first()
    if version is None:
        raise Http404
    return version
