"""The platform operator's admin: practices and their staff only. Clinical models (clients,
couples, answers, comparisons) are never registered here; a test enforces it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_otp.admin import OTPAdminSite

from practice.models import Membership, Practice, User
from practice.selectors import membership_practice_id
from practice.tenancy import practice_scope

PRACTICE_FILTER = "practice__id__exact"

# The operator's admin needs a verified second factor too: OTPAdminSite refuses anyone whose
# session has not passed one.
admin.site.__class__ = OTPAdminSite


def _in_practice(practice_id: int, view: Callable[[], HttpResponse]) -> HttpResponse:
    """Runs an admin view inside one practice's scope, its template rendered there too (a
    TemplateResponse would otherwise render after the scope has ended)."""
    with practice_scope(practice_id):
        response = view()
        if isinstance(response, TemplateResponse):
            response.render()
    return response


def _id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MembershipInline(admin.TabularInline[Membership, Practice]):
    model = Membership
    extra = 0
    fields = ["user", "is_admin", "is_counsellor", "is_active"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # The practice page runs inside that practice's scope (see PracticeAdmin).
        return Membership.objects.with_scopes_disabled().select_related("user")


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin[Practice]):
    list_display = ["name", "slug", "timezone", "require_two_factor", "created_at", "rescoring"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["rescore_comparisons"]

    # One practice's page (its staff inline, its deletion) works inside that practice: the
    # database admits no other practice's rows.
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        practice_id = _id(object_id)
        if practice_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        return _in_practice(
            practice_id,
            partial(super().changeform_view, request, object_id, form_url, extra_context),
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        practice_id = _id(object_id)
        if practice_id is None:
            return super().delete_view(request, object_id, extra_context)
        return _in_practice(
            practice_id, partial(super().delete_view, request, object_id, extra_context)
        )

    @admin.action(description="Re-score changed comparisons (keeps earlier results)")
    def rescore_comparisons(self, request: HttpRequest, queryset: QuerySet[Practice]) -> None:
        # The operator never sees results: the job runs in the background and reports counts.
        from assessments.comparisons.services import rescore_request

        for practice in queryset:
            rescore_request(practice=practice)
        self.message_user(
            request,
            f"Re-scoring queued for {queryset.count()} practice(s); the Re-scoring column shows "
            "its progress (reload to follow it).",
        )

    @admin.display(description="Re-scoring")
    def rescoring(self, practice: Practice) -> str:
        # Counts only: the operator never sees results.
        from assessments.comparisons.rescoring import latest_progress

        return latest_progress(practice) or "-"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "practice", "is_admin", "is_counsellor", "is_active"]
    list_filter = ["practice", "is_admin", "is_counsellor", "is_active"]
    search_fields = ["user__email", "user__full_name", "practice__slug"]
    autocomplete_fields = ["user", "practice"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return Membership.objects.with_scopes_disabled().select_related("user", "practice")

    # The list shows one practice at a time (the practice filter; the first practice when none
    # is chosen), and a membership opens inside its own practice: the database admits no other.
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        practice_id = _id(request.GET.get(PRACTICE_FILTER))
        if practice_id is None:
            practice_id = Practice.objects.order_by("name").values_list("pk", flat=True).first()
            if practice_id is None:
                return super().changelist_view(request, extra_context)
            query = request.GET.copy()
            query[PRACTICE_FILTER] = str(practice_id)
            request.GET = query  # type: ignore[assignment]
        return _in_practice(practice_id, partial(super().changelist_view, request, extra_context))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        membership_id = _id(object_id)
        practice_id = (
            _id(request.POST.get("practice"))
            if membership_id is None
            else membership_practice_id(membership_id)
        )
        if practice_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        return _in_practice(
            practice_id,
            partial(super().changeform_view, request, object_id, form_url, extra_context),
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        membership_id = _id(object_id)
        practice_id = None if membership_id is None else membership_practice_id(membership_id)
        if practice_id is None:
            return super().delete_view(request, object_id, extra_context)
        return _in_practice(
            practice_id, partial(super().delete_view, request, object_id, extra_context)
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name")}),)
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
