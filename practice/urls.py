from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from practice import views
from practice.health import healthz

account_patterns = [
    path("", views.account, name="account"),
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
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
    path("", include("assessments.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", views.home, name="home"),
    path("", include(auth_patterns)),
    path("account/", include(account_patterns)),
    path("p/<slug:practice_slug>/", include(practice_patterns)),
    path("admin/", admin.site.urls),
]
