"""The practice admin's view of the audit trail: browse, filter, export. Read-only by design."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice import audit
from practice.models import AuditEvent, Membership, Practice
from practice.tenancy import PracticeRequest, admin_required


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    actor: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        required=False, queryset=Membership.objects.none(), empty_label="Anyone",
        to_field_name="public_id",
    )  # fmt: skip
    object_type = forms.CharField(required=False, max_length=40, label="Object type")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, practice: Practice, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["actor"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(practice=practice).select_related("user")
        )
        self.fields["actor"].label_from_instance = lambda m: m.user.full_name  # type: ignore[attr-defined]


def events_for(practice: Practice, filters: dict[str, object]) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(practice=practice).select_related("actor")
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    actor = filters.get("actor")
    if isinstance(actor, Membership):
        events = events.filter(actor_id=actor.user_id)
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    since, until = filters.get("since"), filters.get("until")
    if isinstance(since, date):
        events = events.filter(created_at__date__gte=since)
    if isinstance(until, date):
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        ["time_utc", "actor", "action", "object_type", "object_id", "detail", "ip", "request_id"]
    )
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                event.actor.email if event.actor else event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.detail,
                event.ip_address or "",
                event.request_id,
            ]
        )


@admin_required
@require_GET
def audit_trail(
    request: PracticeRequest, practice_slug: str
) -> HttpResponse | StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None, practice=request.practice)
    filters = form.cleaned_data if form.is_valid() else {}
    events = events_for(request.practice, filters)
    if request.GET.get("format") == "csv":
        audit.record(request, AuditEvent.Action.EXPORT, practice=request.practice,
                     object_type="audit_trail")  # fmt: skip
        response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "practice/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
