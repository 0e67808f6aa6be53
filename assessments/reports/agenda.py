"""Session agendas: a counsellor picks suggested topics from a comparison into an agenda, adds
their own items, puts them in order and writes notes, then prints or exports it.

The reads at the top take the practice (or a row already reached through it) and answer 404 for
anything the member may not open; the writes below them are the services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.http import Http404

from assessments.engine import scoring
from assessments.models import (
    AgendaItem,
    Assignment,
    Comparison,
    SessionAgenda,
    Topic,
)
from assessments.reports.names import in_partners_names, partner_names
from clients.models import Couple
from practice.models import Membership, Practice
from practice.selectors import one_or_404

MAX_TITLE_LENGTH = 200
MAX_NOTE_LENGTH = 10_000
DIRECTIONS = ("up", "down")

# Reads ------------------------------------------------------------------------------------------


def agenda_of(assignment: Assignment) -> SessionAgenda | None:
    """The assignment's agenda, if one has been started (opening the page creates nothing)."""
    return SessionAgenda.objects.filter(assignment=assignment).first()


def agenda_items(agenda: SessionAgenda | None) -> list[AgendaItem]:
    return [] if agenda is None else list(agenda.items.all())


def agenda_items_shown(agenda: SessionAgenda | None, couple: Couple) -> list[AgendaItem]:
    """The items for the agenda page, each with `rationale_shown`: its stored rationale in the
    partners' names (stored results say "Partner A" and "Partner B")."""
    items = agenda_items(agenda)
    names = partner_names(couple)
    for item in items:
        item.rationale_shown = in_partners_names(item.rationale, names)  # type: ignore[attr-defined]
    return items


def agenda_item(agenda: SessionAgenda | None, public_id: UUID | str) -> AgendaItem:
    """An item of this agenda, or 404: another agenda's item is not reachable from here."""
    item = None if agenda is None else agenda.items.filter(public_id=public_id).first()
    if item is None:
        raise Http404
    return item


def comparison_for_topics(assignment: Assignment, public_id: str = "") -> Comparison | None:
    """The finished comparison topics are picked from: the one named (a report page may show an
    earlier one), else the newest."""
    done = Comparison.objects.filter(assignment=assignment, status=Comparison.Status.DONE)
    if public_id:
        try:
            wanted = UUID(public_id)
        except ValueError:
            return None
        return done.filter(public_id=wanted).first()
    return done.order_by("-created_at", "-pk").first()


# Writes -----------------------------------------------------------------------------------------


@transaction.atomic
def agenda_for_assignment(
    *, assignment: Assignment, created_by: Membership | None = None
) -> SessionAgenda:
    """The assignment's one agenda, created on first use."""
    existing = SessionAgenda.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SessionAgenda.objects.create(
                practice=assignment.practice, assignment=assignment, created_by=created_by
            )
    except IntegrityError:
        # Two tabs started the agenda at the same moment: the other one created it.
        return SessionAgenda.objects.get(assignment=assignment)


def _locked(agenda: SessionAgenda) -> SessionAgenda:
    # Writes to one agenda take turns, so two tabs never hand out the same position.
    return SessionAgenda.objects.select_for_update().get(pk=agenda.pk)


def _renumber(items: list[AgendaItem]) -> None:
    """Positions 1..n in the given order, writing only the rows that moved."""
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["position"])


def _clean_text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = value.replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError({field: f"Enter {label}."}, code="required")
    if len(text) > limit:
        raise ValidationError(
            {field: f"Keep {label} under {limit:,} characters (it has {len(text):,})."},
            code="max_length",
        )
    return text


@transaction.atomic
def agenda_add_topics(
    *, agenda: SessionAgenda, comparison: Comparison, topic_slugs: Iterable[str]
) -> list[AgendaItem]:
    """Adds topics suggested by `comparison` to the agenda, with the suggestion's rationale and
    the library's why and steps. Only that comparison's suggestions are accepted; topics already
    on the agenda are skipped. A safety check-in goes first, as it does among the suggestions."""
    if comparison.assignment_id != agenda.assignment_id:
        raise ValidationError("These topics come from another assignment's report.", code="other")
    result = comparison.as_result()
    if comparison.status != Comparison.Status.DONE or result is None:
        raise ValidationError("This comparison has no suggested topics yet.", code="not_done")
    suggestions = {suggestion.slug: suggestion for suggestion in result.topics}
    wanted = list(dict.fromkeys(slug.strip() for slug in topic_slugs if slug.strip()))
    if not wanted:
        raise ValidationError("Pick at least one suggested topic.", code="required")
    unknown = [slug for slug in wanted if slug not in suggestions]
    if unknown:
        raise ValidationError(
            "Only topics suggested for this couple can be added. Not suggested: %(slugs)s.",
            code="not_suggested",
            params={
                "slugs": ", ".join(s[:60] for s in unknown[:5])
                + (", …" if len(unknown) > 5 else "")
            },
        )

    agenda = _locked(agenda)
    present = set(agenda.items.exclude(topic_slug="").values_list("topic_slug", flat=True))
    rank = {suggestion.slug: i for i, suggestion in enumerate(result.topics)}
    fresh = sorted((slug for slug in wanted if slug not in present), key=rank.__getitem__)
    library = {topic.slug: topic for topic in Topic.objects.filter(slug__in=fresh)}
    start = (agenda.items.aggregate(last=Max("position"))["last"] or 0) + 1
    added: list[AgendaItem] = []
    for offset, slug in enumerate(fresh):
        suggestion = suggestions[slug]
        topic = library.get(slug)
        added.append(
            AgendaItem(
                practice=agenda.practice,
                agenda=agenda,
                topic_slug=slug,
                title=suggestion.title[:MAX_TITLE_LENGTH],
                rationale=suggestion.rationale,
                why=topic.why if topic is not None else "",
                steps=[str(step) for step in topic.steps] if topic is not None else [],
                position=start + offset,
            )
        )
    AgendaItem.objects.bulk_create(added)

    first = {slug for slug in fresh if suggestions[slug].trigger == scoring.SAFETY_TRIGGER}
    if first:
        # A stable sort: the safety check-in moves to the top, everything else keeps its order.
        _renumber(sorted(agenda.items.all(), key=lambda row: row.topic_slug not in first))

    agenda.comparison = comparison
    agenda.save(update_fields=["comparison", "updated_at"])
    return list(agenda.items.filter(topic_slug__in=fresh))


@transaction.atomic
def agenda_add_own_item(*, agenda: SessionAgenda, title: str, note: str = "") -> AgendaItem:
    """The counsellor's own point for the session, added at the end."""
    title = _clean_text(
        title, field="title", label="a title", limit=MAX_TITLE_LENGTH, required=True
    )
    note = _clean_text(note, field="note", label="the note", limit=MAX_NOTE_LENGTH)
    agenda = _locked(agenda)
    last = agenda.items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        practice=agenda.practice,
        agenda=agenda,
        title=title,
        counsellor_note=note,
        position=last + 1,
    )
    agenda.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def agenda_move(*, item: AgendaItem, direction: str) -> None:
    """Swaps the item with its neighbour above or below; at either end nothing changes."""
    if direction not in DIRECTIONS:
        raise ValidationError("Move an item up or down.", code="direction")
    agenda = _locked(item.agenda)
    items = list(agenda.items.all())
    index = next((i for i, row in enumerate(items) if row.pk == item.pk), None)
    if index is None:
        return
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)
    agenda.save(update_fields=["updated_at"])


@transaction.atomic
def agenda_update_notes(
    *, agenda: SessionAgenda, notes: str, item_notes: Mapping[str, str] | Mapping[UUID, str]
) -> None:
    """Saves the general notes and the note on each item, keyed by the item's public id. Ids of
    items no longer on this agenda (removed in another tab) are ignored."""
    notes = _clean_text(notes, field="notes", label="the notes", limit=MAX_NOTE_LENGTH)
    cleaned: dict[UUID, str] = {}
    for key, value in item_notes.items():
        try:
            public_id = key if isinstance(key, UUID) else UUID(str(key))
        except ValueError:
            continue
        cleaned[public_id] = _clean_text(
            value, field=f"note-{public_id}", label="a note", limit=MAX_NOTE_LENGTH
        )
    agenda = _locked(agenda)
    changed = []
    for item in agenda.items.filter(public_id__in=cleaned):
        if item.counsellor_note != cleaned[item.public_id]:
            item.counsellor_note = cleaned[item.public_id]
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["counsellor_note"])
    agenda.notes = notes
    agenda.save(update_fields=["notes", "updated_at"])


@transaction.atomic
def agenda_remove_item(*, item: AgendaItem) -> None:
    """Removes the item; the items after it move up one place."""
    agenda = _locked(item.agenda)
    agenda.items.filter(pk=item.pk).delete()
    _renumber(list(agenda.items.all()))
    agenda.save(update_fields=["updated_at"])


def agendas_for_counsellor(
    *, practice: Practice, member: Membership, assignment: UUID | None = None
) -> QuerySet[SessionAgenda]:
    """Session agendas of the couples the member counsels, with their items."""
    if not member.is_counsellor:
        return SessionAgenda.objects.none()
    agendas = (
        SessionAgenda.objects.filter(practice=practice, assignment__couple__counsellors=member)
        .select_related("assignment", "comparison")
        .prefetch_related("items")
        .order_by("-created_at", "-pk")
    )
    if assignment is not None:
        agendas = agendas.filter(assignment__public_id=assignment)
    return agendas


def agenda_for_counsellor(
    *, practice: Practice, member: Membership, public_id: UUID | str
) -> SessionAgenda:
    return one_or_404(agendas_for_counsellor(practice=practice, member=member), public_id)
