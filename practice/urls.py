from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from assessments.dashboard import views as dashboard_views
from practice import audit_views, two_factor_views, views
from practice.health import healthz

account_patterns = [
    path("", views.account, name="account"),
    path("two-factor/", two_factor_views.setup, name="two-factor-setup"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("two-factor/disable/", two_factor_views.disable, name="two-factor-disable"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="practice/password_change.html", success_url="/account/"
        ),
        name="password_change",
    ),
]

auth_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="practice/password_reset.html",
            email_template_name="practice/email/password_reset.txt",
            subject_template_name="practice/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="practice/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="practice/set_password.html", post_reset_login=False
        ),
        name="password_reset_confirm",
    ),
    path(
        "set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="practice/set_password_done.html"
        ),
        name="password_reset_complete",
    ),
]

practice_patterns: list[URLPattern | URLResolver] = [
    path("", views.practice_home, name="practice-home"),
    path("practice/members/", views.members, name="practice-members"),
    path("practice/members/<uuid:member_id>/", views.member_edit, name="practice-member-edit"),
    path(
        "practice/members/<uuid:member_id>/deactivate/",
        views.member_set_active,
        {"active": False},
        name="practice-member-deactivate",
    ),
    path(
        "practice/members/<uuid:member_id>/reactivate/",
        views.member_set_active,
        {"active": True},
        name="practice-member-reactivate",
    ),
    path("practice/settings/", views.practice_settings, name="practice-settings"),
    path("practice/audit/", audit_views.audit_trail, name="practice-audit"),
    path("practice/dashboard/", dashboard_views.practice_dashboard, name="practice-dashboard"),
    path("", include("assessments.urls")),
    path("", include("clients.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", views.home, name="home"),
    path("", include(auth_patterns)),
    path("account/", include(account_patterns)),
    path("p/<slug:practice_slug>/", include(practice_patterns)),
    path("", include("assessments.respond.urls")),
    path("", include("assessments.summary.urls")),
    path("api/v1/", include("practice.api.urls")),
    path("admin/", admin.site.urls),
]
