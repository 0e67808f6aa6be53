"""Pages for setting up and using two-factor sign-in."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from practice import audit, two_factor
from practice.models import AuditEvent


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app (or a recovery code)",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.has_two_factor(user):
        return render(request, "practice/two_factor_status.html", {"form": TokenForm()})
    device = two_factor.pending_totp_device(user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.two_factor_confirm(
            user=user,  # type: ignore[arg-type]
            device=device,
            token=form.cleaned_data["token"].strip(),
        )
        if codes is not None:
            otp_login(request, device)
            # Confirming rotated the security stamp (ending other sessions); this one stays.
            update_session_auth_hash(request, user)  # type: ignore[arg-type]
            audit.record(request, AuditEvent.Action.TWO_FACTOR, practice=None, detail="enabled")
            return render(request, "practice/recovery_codes.html", {"codes": codes})
        form.add_error(
            "token", "That code did not match. Check the time on your phone and try again."
        )
    return render(
        request,
        "practice/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_code_svg(device),
            "secret": device.bin_key.hex(),
            "required": two_factor.two_factor_required(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        audit.record(request, AuditEvent.Action.LOGIN_FAILED, practice=None, detail="second factor")
        form.add_error("token", "That code did not match.")
    return render(
        request,
        "practice/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return redirect("two-factor-setup")
    codes = two_factor.recovery_codes_regenerate(user=request.user)  # type: ignore[arg-type]
    audit.record(request, AuditEvent.Action.TWO_FACTOR, practice=None, detail="new recovery codes")
    return render(request, "practice/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid() or match_token(request.user, form.cleaned_data["token"].strip()) is None:
        messages.error(request, "Enter a current code to turn two-factor sign-in off.")
        return redirect("two-factor-setup")
    two_factor.two_factor_disable(user=request.user)  # type: ignore[arg-type]
    update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
    audit.record(request, AuditEvent.Action.TWO_FACTOR, practice=None, detail="disabled")
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("account")
