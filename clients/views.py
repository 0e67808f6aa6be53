"""Staff pages for couples: the caseload, the couple page, adding, editing and archiving."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.assignments.forms import AssignForm
from assessments.caseload import selectors as caseload
from clients import selectors, services
from clients.forms import CoupleForm
from clients.models import Couple
from practice.audit import audited
from practice.models import AuditEvent, Membership
from practice.tenancy import PracticeRequest, member_required

PAGE_SIZE = 25
STATUS_FILTERS = {Couple.Status.ACTIVE.value, Couple.Status.ARCHIVED.value}


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError, shown next to the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Links for partners without an email can be shown once: they live in the session only until the
# couple page next renders, and the page pops them.
def _links_key(couple: Couple) -> str:
    return f"once-links:{couple.public_id}"


def remember_links(request: PracticeRequest, couple: Couple, links: Mapping[str, str]) -> None:
    if not links:
        return
    shown = request.session.get(_links_key(couple), [])
    shown.extend([couple.partner(side).display_name, url] for side, url in sorted(links.items()))
    request.session[_links_key(couple)] = shown


def _pop_links(request: PracticeRequest, couple: Couple) -> list[tuple[str, str]]:
    return [(name, url) for name, url in request.session.pop(_links_key(couple), [])]


def render_couple_page(
    request: PracticeRequest,
    couple: Couple,
    *,
    assign_form: AssignForm | None = None,
    errors: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """The couple page; actions that fail re-render it with their errors and a 400."""
    return render(
        request,
        "clients/couple_detail.html",
        {
            "page": caseload.couple_page(couple=couple, member=request.membership),
            "couple": couple,
            "assign_form": assign_form or AssignForm(),
            "action_errors": list(errors),
            "once_links": _pop_links(request, couple),
        },
        status=status,
    )


def _may_add_couples(member: Membership) -> bool:
    return member.is_admin or member.is_counsellor


@member_required
@require_GET
def couple_list(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", Couple.Status.ACTIVE)
    if status not in STATUS_FILTERS:
        status = Couple.Status.ACTIVE
    couples = caseload.couple_list(
        practice=request.practice, member=request.membership, query=query, status=status
    )
    page = caseload.one_page(couples, request.GET.get("page"), PAGE_SIZE)
    has_any = bool(page.object_list) or (
        selectors.couples_visible_to(practice=request.practice, member=request.membership).exists()
    )
    return render(
        request,
        "clients/couple_list.html",
        {
            "rows": caseload.couple_rows(couples=page.object_list),
            "page_obj": page,
            "query": query,
            "status": status,
            "statuses": Couple.Status.choices,
            "has_any": has_any,
            "may_add": _may_add_couples(request.membership),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
@audited(AuditEvent.Action.CREATE, "couple", on=("POST",))
def couple_create(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    member = request.membership
    if not _may_add_couples(member):
        raise PermissionDenied
    form = CoupleForm(
        request.POST or None,
        practice=request.practice,
        with_counsellors=True,
        # A counsellor who is not an admin is always added to the couples they create.
        counsellors_required=member.is_admin,
        initial={"counsellors": [member] if member.is_counsellor else []},
    )
    if request.method == "POST" and form.is_valid():
        try:
            couple = services.couple_create(
                practice=request.practice,
                partner_a=form.partner("a"),
                partner_b=form.partner("b"),
                counsellors=form.chosen_counsellors() or [],
                created_by=member,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{couple.name} added. Assign an instrument when ready.")
            return redirect(
                "couple-detail", practice_slug=practice_slug, couple_id=couple.public_id
            )
    return render(
        request,
        "clients/couple_form.html",
        {"form": form, "couple": None},
        status=400 if form.errors else 200,
    )


@member_required
@require_GET
@audited(AuditEvent.Action.VIEW, "couple", "couple_id")
def couple_detail(request: PracticeRequest, practice_slug: str, couple_id: str) -> HttpResponse:
    couple = selectors.couple_for_member(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    return render_couple_page(request, couple)


@member_required
@require_http_methods(["GET", "POST"])
@audited(AuditEvent.Action.CHANGE, "couple", "couple_id", on=("POST",))
def couple_edit(request: PracticeRequest, practice_slug: str, couple_id: str) -> HttpResponse:
    couple = selectors.couple_for_member(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    # Who counsels a couple is the practice's decision: only admins change it.
    is_admin = request.membership.is_admin
    counsellors = list(couple.counsellors.select_related("user").order_by("user__full_name"))
    form = CoupleForm(
        request.POST or None,
        practice=request.practice,
        with_counsellors=is_admin,
        initial=CoupleForm.initial_for(couple, counsellors),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.couple_update(
                couple=couple,
                partner_a=form.partner("a"),
                partner_b=form.partner("b"),
                counsellors=form.chosen_counsellors(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{couple.name} saved.")
            return redirect(
                "couple-detail", practice_slug=practice_slug, couple_id=couple.public_id
            )
    return render(
        request,
        "clients/couple_form.html",
        {"form": form, "couple": couple, "counsellors": counsellors},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
@audited(AuditEvent.Action.CHANGE, "couple", "couple_id")
def couple_set_status(
    request: PracticeRequest, practice_slug: str, couple_id: str, status: str
) -> HttpResponse:
    couple = selectors.couple_for_member(
        practice=request.practice, member=request.membership, public_id=couple_id
    )
    services.couple_set_status(couple=couple, status=status)
    if status == Couple.Status.ARCHIVED:
        messages.success(request, f"{couple.name} archived. Their history stays on this page.")
    else:
        messages.success(request, f"{couple.name} is active again.")
    return redirect("couple-detail", practice_slug=practice_slug, couple_id=couple.public_id)
