"""Staff pages outside any couple: sign-in, practice picker, practice home and administration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments.caseload.selectors import caseload
from practice import audit, selectors, services
from practice.forms import (
    EmailAuthenticationForm,
    MemberInviteForm,
    MemberRolesForm,
    PracticeSettingsForm,
)
from practice.models import AuditEvent
from practice.tenancy import (
    PracticeRequest,
    admin_required,
    member_required,
    memberships_of,
)


class LoginView(auth_views.LoginView):
    template_name = "practice/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(self.request, AuditEvent.Action.LOGIN, practice=None)
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # No username in the row: a mistyped email can be someone else's address.
        audit.record(self.request, AuditEvent.Action.LOGIN_FAILED, practice=None)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit.record(request, AuditEvent.Action.LOGOUT, practice=None)
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """With one practice, straight in; with several, a picker."""
    memberships = memberships_of(request.user)
    if len(memberships) == 1:
        return redirect("practice-home", practice_slug=memberships[0].practice.slug)
    return render(request, "practice/picker.html", {"memberships": memberships})


@member_required
def practice_home(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    """The counsellor's caseload dashboard; admins who do not counsel get the practice view."""
    if not request.membership.is_counsellor:
        return redirect("practice-dashboard", practice_slug=practice_slug)
    return render(
        request,
        "practice/home.html",
        {"caseload": caseload(practice=request.practice, member=request.membership)},
    )


def _apply_errors(form: MemberInviteForm | MemberRolesForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@admin_required
@require_http_methods(["GET", "POST"])
def members(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_invite(
                practice=request.practice, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{membership.user.email} has been invited by email.")
            return redirect("practice-members", practice_slug=practice_slug)
    return render(
        request,
        "practice/members.html",
        {"members": selectors.members_of(practice=request.practice), "form": form},
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def member_edit(request: PracticeRequest, practice_slug: str, member_id: str) -> HttpResponse:
    membership = selectors.member_by_public_id(practice=request.practice, public_id=member_id)
    initial = {"is_admin": membership.is_admin, "is_counsellor": membership.is_counsellor}
    form = MemberRolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_roles(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Roles updated for {membership.user}.")
            return redirect("practice-members", practice_slug=practice_slug)
    return render(
        request,
        "practice/member_edit.html",
        {"member": membership, "form": form},
        status=400 if form.errors else 200,
    )


@admin_required
@require_POST
def member_set_active(
    request: PracticeRequest, practice_slug: str, member_id: str, active: bool
) -> HttpResponse:
    membership = selectors.member_by_public_id(practice=request.practice, public_id=member_id)
    try:
        if active:
            services.membership_reactivate(membership=membership)
        else:
            services.membership_deactivate(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "reactivated" if active else "deactivated; their sessions have ended"
        messages.success(request, f"{membership.user} has been {verb}.")
    return redirect("practice-members", practice_slug=practice_slug)


@admin_required
@require_http_methods(["GET", "POST"])
def practice_settings(request: PracticeRequest, practice_slug: str) -> HttpResponse:
    form = PracticeSettingsForm(request.POST or None, instance=request.practice)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Practice settings saved.")
        return redirect("practice-settings", practice_slug=practice_slug)
    return render(
        request,
        "practice/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "practice/account.html", {"memberships": memberships_of(request.user)})
