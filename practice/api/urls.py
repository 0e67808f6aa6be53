"""Every route under /api/v1/ except the respondent API (assessments.respond.urls keeps those at
the site root, outside any practice). Tenant routes live under `practices/<practice_slug>/`: the
kwarg name is what makes TenancyMiddleware resolve the practice and activate its scope."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from assessments.assignments.api import AssignmentViewSet
from assessments.comparisons.api import ComparisonViewSet
from assessments.library.api import InstrumentViewSet, TopicViewSet
from assessments.reports.api import AgendaViewSet
from clients.api import ClientViewSet, CoupleViewSet, InvitationViewSet
from practice.api.errors import route_not_found
from practice.api.practices import MemberViewSet, PracticeDetailView, PracticeListView
from practice.api.tokens import TokenCreateView, TokenViewSet

library = SimpleRouter(use_regex_path=False)
library.register("instruments", InstrumentViewSet, basename="api-instruments")

tenant = SimpleRouter(use_regex_path=False)
tenant.register("members", MemberViewSet, basename="api-members")
tenant.register("clients", ClientViewSet, basename="api-clients")
tenant.register("couples", CoupleViewSet, basename="api-couples")
tenant.register("assignments", AssignmentViewSet, basename="api-assignments")
tenant.register("invitations", InvitationViewSet, basename="api-invitations")
tenant.register("comparisons", ComparisonViewSet, basename="api-comparisons")
tenant.register("topics", TopicViewSet, basename="api-topics")
tenant.register("agendas", AgendaViewSet, basename="api-agendas")

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from a URL, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", TokenCreateView.as_view(), name="api-token-create"),
    path("auth/tokens/", TokenViewSet.as_view({"get": "list"}), name="api-tokens-list"),
    path(
        "auth/tokens/<uuid:public_id>/",
        TokenViewSet.as_view({"delete": "destroy"}),
        name="api-tokens-detail",
    ),
    path("", include(library.urls)),
    path("practices/", PracticeListView.as_view(), name="api-practices"),
    path("practices/<slug:practice_slug>/", PracticeDetailView.as_view(), name="api-practice"),
    path("practices/<slug:practice_slug>/", include(tenant.urls)),
    # Last: anything under /api/v1/ that no route above matched.
    re_path(r"^(?P<path>.*)$", route_not_found, name="api-not-found"),
]
