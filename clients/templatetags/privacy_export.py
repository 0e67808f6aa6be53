"""Filters for the personal data export's printable form (templates/clients/privacy_export.html),
which shows the JSON export's own values: its times are ISO 8601 strings in UTC."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()

NOT_SET = "—"


@register.filter
def readable_time(value: str | None) -> str:
    """An ISO 8601 time as "4 March 2025, 09:05 UTC" (a bare date without the time); no value
    as a dash."""
    if not value:
        return NOT_SET
    moment = datetime.datetime.fromisoformat(value)
    if len(value) == len("2025-03-04"):
        return f"{moment.day} {moment:%B %Y}"
    moment = moment.astimezone(datetime.UTC) if moment.tzinfo else moment
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
