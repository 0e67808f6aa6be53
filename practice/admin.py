"""The platform operator's admin: practices and their staff only. Clinical models (clients,
couples, answers, comparisons) are never registered here; a test enforces it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite

from practice.models import Membership, Practice, User

# The operator's admin needs a verified second factor too: OTPAdminSite refuses anyone whose
# session has not passed one.
admin.site.__class__ = OTPAdminSite


class MembershipInline(admin.TabularInline[Membership, Practice]):
    model = Membership
    extra = 0
    fields = ["user", "is_admin", "is_counsellor", "is_active"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return Membership.objects.with_scopes_disabled().select_related("user")


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin[Practice]):
    list_display = ["name", "slug", "timezone", "require_two_factor", "created_at", "rescoring"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["rescore_comparisons"]

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
    list_filter = ["is_admin", "is_counsellor", "is_active"]
    search_fields = ["user__email", "user__full_name", "practice__slug"]
    autocomplete_fields = ["user", "practice"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return Membership.objects.with_scopes_disabled().select_related("user", "practice")


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
