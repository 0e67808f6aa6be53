"""The OpenAPI schema and its docs page, and the API's permission matrix: every operation of
the generated schema must name the tests that cover it (happy path and each refused role), so
a new route without tests fails here."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

TOKENS = "test_auth_tokens"
PRACTICES = "test_practices"
MEMBERS = "test_members"
CLIENTS = "test_clients"
COUPLES = "test_couples"
ASSIGNMENTS = "test_assignments"
INVITATIONS = "test_invitations"
COMPARISONS = "test_comparisons"
TOPICS = "test_topics"
AGENDAS = "test_agendas"
INSTRUMENTS = "test_instruments"
RESPOND = "tests.assessments.test_respond_api"

MEMBER_ROLES = [
    f"{MEMBERS}::test_counsellor_gets_403_on_every_member_route",
    f"{MEMBERS}::test_member_of_another_practice_gets_404_on_every_member_route",
    f"{MEMBERS}::test_anonymous_caller_gets_401_on_member_routes",
]
COUPLE_ROLES = [
    f"{COUPLES}::test_unassigned_counsellor_gets_404_on_every_couple_route",
    f"{COUPLES}::test_member_of_another_practice_gets_404_on_couples",
    f"{COUPLES}::test_anonymous_caller_gets_401_on_couples",
]
INVITATION_ROLES = [
    f"{INVITATIONS}::test_unassigned_counsellor_sees_no_invitation_and_gets_404_on_each",
    f"{INVITATIONS}::test_member_of_another_practice_gets_404_on_invitations",
    f"{INVITATIONS}::test_anonymous_caller_gets_401_on_invitations",
]
COMPARISON_ROLES = [
    f"{COMPARISONS}::test_admin_who_does_not_counsel_the_couple_sees_no_comparison",
    f"{COMPARISONS}::test_unassigned_counsellor_gets_404_on_every_comparison_route",
    f"{COMPARISONS}::test_member_of_another_practice_gets_404_on_comparisons",
    f"{COMPARISONS}::test_anonymous_caller_gets_401_on_comparisons",
]
AGENDA_ROLES = [
    f"{AGENDAS}::test_admin_who_does_not_counsel_the_couple_gets_no_agenda",
    f"{AGENDAS}::test_unassigned_counsellor_gets_404_on_every_agenda_route",
    f"{AGENDAS}::test_member_of_another_practice_gets_404_on_agendas",
    f"{AGENDAS}::test_anonymous_caller_gets_401_on_agendas",
]
ASSIGNMENT_ROLES = [
    f"{ASSIGNMENTS}::test_unassigned_counsellor_gets_an_empty_list_and_404",
    f"{ASSIGNMENTS}::test_member_of_another_practice_gets_404_on_assignments",
    f"{ASSIGNMENTS}::test_anonymous_caller_gets_401_on_assignments",
]
SUMMARY_ROLES = [
    "test_summary::test_everyone_else_gets_404",
    "test_summary::test_anonymous_caller_gets_401_on_summary",
]
P = "/api/v1/practices/{practice_slug}"

PERMISSION_TESTS: dict[str, list[str]] = {
    "POST /api/v1/auth/token/": [
        f"{TOKENS}::test_email_and_password_get_a_token_shown_once_and_stored_hashed",
        f"{TOKENS}::test_wrong_password_and_unknown_email_get_the_same_400",
        f"{TOKENS}::test_repeated_failures_lock_the_email_out_with_429",
        f"{TOKENS}::test_no_token_while_a_practice_requires_two_factor_and_none_is_set_up",
    ],
    "GET /api/v1/auth/tokens/": [
        f"{TOKENS}::test_token_list_shows_only_the_callers_tokens_and_never_a_key",
        f"{TOKENS}::test_anonymous_caller_gets_401_on_token_list_and_revoke",
    ],
    "DELETE /api/v1/auth/tokens/{public_id}/": [
        f"{TOKENS}::test_revoked_token_is_refused_with_401",
        f"{TOKENS}::test_another_users_token_cannot_be_revoked_and_answers_404",
        f"{TOKENS}::test_anonymous_caller_gets_401_on_token_list_and_revoke",
    ],
    "GET /api/v1/instruments/": [
        f"{INSTRUMENTS}::test_library_lists_current_versions_with_their_areas",
        f"{INSTRUMENTS}::test_library_is_shared_by_members_of_any_practice",
        f"{INSTRUMENTS}::test_anonymous_caller_gets_401_on_instruments",
    ],
    "GET /api/v1/instruments/{slug}/": [
        f"{INSTRUMENTS}::test_one_instrument_comes_with_its_items",
        f"{INSTRUMENTS}::test_unknown_instrument_answers_404",
        f"{INSTRUMENTS}::test_anonymous_caller_gets_401_on_instruments",
    ],
    "GET /api/v1/practices/": [
        f"{PRACTICES}::test_practices_lists_the_callers_active_memberships_with_roles",
        f"{PRACTICES}::test_anonymous_caller_gets_401_on_practices",
    ],
    "GET /api/v1/practices/{practice_slug}/": [
        f"{PRACTICES}::test_member_reads_the_practice_root_with_their_roles",
        f"{PRACTICES}::test_member_of_another_practice_gets_404_on_the_practice_root_like_a_missing_practice",
        f"{PRACTICES}::test_anonymous_caller_gets_401_on_the_practice_root",
    ],
    f"GET {P}/members/": [f"{MEMBERS}::test_admin_lists_the_members", *MEMBER_ROLES],
    f"POST {P}/members/": [
        f"{MEMBERS}::test_admin_invites_a_new_member_who_gets_an_email",
        f"{MEMBERS}::test_bad_invitation_gets_400_naming_the_field",
        *MEMBER_ROLES,
    ],
    f"GET {P}/members/{{public_id}}/": [
        f"{MEMBERS}::test_admin_reads_one_member",
        f"{MEMBERS}::test_admin_gets_404_for_a_member_of_another_practice",
        *MEMBER_ROLES,
    ],
    f"PATCH {P}/members/{{public_id}}/": [
        f"{MEMBERS}::test_admin_changes_a_members_roles",
        f"{MEMBERS}::test_removing_the_last_admin_role_gets_400",
        *MEMBER_ROLES,
    ],
    f"POST {P}/members/{{public_id}}/deactivate/": [
        f"{MEMBERS}::test_admin_deactivates_and_reactivates_a_member",
        f"{MEMBERS}::test_deactivating_the_only_admin_gets_400",
        *MEMBER_ROLES,
    ],
    f"POST {P}/members/{{public_id}}/reactivate/": [
        f"{MEMBERS}::test_admin_deactivates_and_reactivates_a_member",
        *MEMBER_ROLES,
    ],
    f"GET {P}/clients/": [
        f"{CLIENTS}::test_assigned_counsellor_lists_the_couples_partners",
        f"{CLIENTS}::test_admin_lists_every_client_of_the_practice",
        f"{CLIENTS}::test_unassigned_counsellor_sees_no_client_and_gets_404_on_one",
        f"{CLIENTS}::test_member_of_another_practice_gets_404_on_clients",
        f"{CLIENTS}::test_anonymous_caller_gets_401_on_clients",
    ],
    f"GET {P}/clients/{{public_id}}/": [
        f"{CLIENTS}::test_counsellor_reads_one_client",
        f"{CLIENTS}::test_client_of_another_practice_answers_404",
        f"{CLIENTS}::test_unassigned_counsellor_sees_no_client_and_gets_404_on_one",
        f"{CLIENTS}::test_member_of_another_practice_gets_404_on_clients",
        f"{CLIENTS}::test_anonymous_caller_gets_401_on_clients",
    ],
    f"GET {P}/couples/": [
        f"{COUPLES}::test_counsellor_lists_their_own_couples",
        f"{COUPLES}::test_admin_lists_every_couple_of_the_practice_only",
        f"{COUPLES}::test_unassigned_counsellor_lists_no_couple",
        f"{COUPLES}::test_bad_list_parameters_get_400_naming_the_parameter",
        f"{COUPLES}::test_member_of_another_practice_gets_404_on_couples",
        f"{COUPLES}::test_anonymous_caller_gets_401_on_couples",
    ],
    f"POST {P}/couples/": [
        f"{COUPLES}::test_counsellor_adds_a_couple_and_is_made_its_counsellor",
        f"{COUPLES}::test_admin_adds_a_couple_for_a_named_counsellor",
        f"{COUPLES}::test_counsellor_of_another_practice_is_refused_with_400",
        f"{COUPLES}::test_bad_couple_gets_400_naming_the_field",
        f"{COUPLES}::test_member_of_another_practice_gets_404_on_couples",
        f"{COUPLES}::test_anonymous_caller_gets_401_on_couples",
    ],
    f"GET {P}/couples/{{public_id}}/": [
        f"{COUPLES}::test_counsellor_reads_their_couple",
        f"{COUPLES}::test_admin_reads_any_couple_of_the_practice",
        f"{COUPLES}::test_couple_of_another_practice_answers_404",
        *COUPLE_ROLES,
    ],
    f"PATCH {P}/couples/{{public_id}}/": [
        f"{COUPLES}::test_counsellor_renames_a_partner_and_keeps_the_rest",
        f"{COUPLES}::test_counsellor_who_is_not_admin_cannot_change_counsellors",
        f"{COUPLES}::test_admin_changes_the_counsellors",
        f"{COUPLES}::test_admin_cannot_hand_a_couple_to_another_practices_counsellor",
        *COUPLE_ROLES,
    ],
    f"POST {P}/couples/{{public_id}}/archive/": [
        f"{COUPLES}::test_couple_is_archived_and_reactivated",
        f"{COUPLES}::test_admin_archives_a_couple",
        *COUPLE_ROLES,
    ],
    f"POST {P}/couples/{{public_id}}/reactivate/": [
        f"{COUPLES}::test_couple_is_archived_and_reactivated",
        f"{COUPLES}::test_admin_archives_a_couple",
        *COUPLE_ROLES,
    ],
    f"POST {P}/couples/{{public_id}}/rescore/": [
        f"{COUPLES}::test_assigned_counsellor_rescores_the_couples_comparisons",
        f"{COUPLES}::test_admin_who_does_not_counsel_the_couple_cannot_rescore_it",
        *COUPLE_ROLES,
    ],
    f"GET {P}/assignments/": [
        f"{ASSIGNMENTS}::test_assignments_filter_by_couple_and_status",
        f"{ASSIGNMENTS}::test_bad_assignment_filters_get_400",
        *ASSIGNMENT_ROLES,
    ],
    f"POST {P}/assignments/": [
        f"{ASSIGNMENTS}::test_assigning_answers_202_with_a_link_only_for_the_partner_without_email",
        f"{ASSIGNMENTS}::test_admin_assigns_for_any_couple_of_the_practice",
        f"{ASSIGNMENTS}::test_due_date_in_the_past_gets_400_on_due_date",
        f"{ASSIGNMENTS}::test_archived_couple_cannot_be_given_an_instrument",
        f"{ASSIGNMENTS}::test_unassigned_counsellor_cannot_assign_to_a_couple_they_do_not_see",
        f"{ASSIGNMENTS}::test_couple_of_another_practice_gets_400_on_couple",
        *ASSIGNMENT_ROLES,
    ],
    f"GET {P}/assignments/{{public_id}}/": [
        f"{ASSIGNMENTS}::test_assignment_shows_each_partners_progress_and_never_answers",
        f"{ASSIGNMENTS}::test_assigned_counsellor_sees_the_comparison_and_the_admin_does_not",
        *ASSIGNMENT_ROLES,
    ],
    f"GET {P}/invitations/": [
        f"{INVITATIONS}::test_counsellor_lists_the_invitations_of_an_assignment",
        f"{INVITATIONS}::test_bad_assignment_filter_gets_400",
        *INVITATION_ROLES,
    ],
    f"GET {P}/invitations/{{public_id}}/": [
        f"{INVITATIONS}::test_admin_reads_an_invitation",
        *INVITATION_ROLES,
    ],
    f"POST {P}/invitations/{{public_id}}/resend/": [
        f"{INVITATIONS}::test_resending_queues_an_email_and_answers_202",
        f"{INVITATIONS}::test_resending_to_a_partner_without_email_gets_400",
        *INVITATION_ROLES,
    ],
    f"POST {P}/invitations/{{public_id}}/revoke/": [
        f"{INVITATIONS}::test_revoked_link_stops_and_a_reissue_emails_a_new_one",
        *INVITATION_ROLES,
    ],
    f"POST {P}/invitations/{{public_id}}/reissue/": [
        f"{INVITATIONS}::test_revoked_link_stops_and_a_reissue_emails_a_new_one",
        f"{INVITATIONS}::test_reissue_for_a_partner_without_email_returns_the_link_once",
        *INVITATION_ROLES,
    ],
    f"GET {P}/comparisons/": [
        f"{COMPARISONS}::test_assigned_counsellor_lists_the_comparisons_without_results",
        f"{COMPARISONS}::test_bad_comparison_filters_get_400",
        *COMPARISON_ROLES,
    ],
    f"GET {P}/comparisons/{{public_id}}/": [
        f"{COMPARISONS}::test_assigned_counsellor_reads_a_comparison_with_its_stored_result",
        f"{COMPARISONS}::test_admin_who_also_counsels_the_couple_sees_its_comparison",
        *COMPARISON_ROLES,
    ],
    f"POST {P}/comparisons/{{public_id}}/retry/": [
        f"{COMPARISONS}::test_retrying_a_failed_comparison_queues_it_and_answers_202",
        f"{COMPARISONS}::test_retrying_a_comparison_that_has_not_failed_gets_409",
        *COMPARISON_ROLES,
    ],
    f"GET {P}/comparisons/{{public_id}}/trend/": [
        f"{COMPARISONS}::test_trend_follows_the_couples_finished_comparisons",
        *COMPARISON_ROLES,
    ],
    f"GET {P}/topics/": [
        f"{TOPICS}::test_counsellor_lists_the_topic_library",
        f"{TOPICS}::test_member_of_another_practice_gets_404_on_topics",
        f"{TOPICS}::test_anonymous_caller_gets_401_on_topics",
    ],
    f"GET {P}/topics/{{slug}}/": [
        f"{TOPICS}::test_admin_reads_one_topic",
        f"{TOPICS}::test_unknown_topic_answers_404",
        f"{TOPICS}::test_member_of_another_practice_gets_404_on_topics",
        f"{TOPICS}::test_anonymous_caller_gets_401_on_topics",
    ],
    f"GET {P}/agendas/": [
        f"{AGENDAS}::test_counsellor_lists_and_reads_their_agendas",
        *AGENDA_ROLES,
    ],
    f"POST {P}/agendas/": [
        f"{AGENDAS}::test_counsellor_starts_an_agenda_from_suggested_topics",
        f"{AGENDAS}::test_topics_not_suggested_for_the_couple_get_400",
        f"{AGENDAS}::test_assignment_of_another_practice_gets_400_on_assignment",
        *AGENDA_ROLES,
    ],
    f"GET {P}/agendas/{{public_id}}/": [
        f"{AGENDAS}::test_counsellor_lists_and_reads_their_agendas",
        *AGENDA_ROLES,
    ],
    f"PATCH {P}/agendas/{{public_id}}/": [
        f"{AGENDAS}::test_counsellor_writes_notes_on_the_agenda_and_its_items",
        f"{AGENDAS}::test_notes_that_are_too_long_get_400",
        *AGENDA_ROLES,
    ],
    f"POST {P}/agendas/{{public_id}}/move/": [
        f"{AGENDAS}::test_counsellor_moves_an_item_down",
        f"{AGENDAS}::test_bad_move_gets_400",
        *AGENDA_ROLES,
    ],
    # The respondent API (a respondent session, no staff roles) has its own tests.
    "GET /api/v1/respond/form/": [
        f"{RESPOND}::test_form_lists_sections_items_choices_and_the_respondents_own_answers",
        f"{RESPOND}::test_without_a_respondent_session_every_endpoint_is_403",
        f"{RESPOND}::test_partner_a_cannot_reach_partner_b_response_by_any_endpoint",
    ],
    "PUT /api/v1/respond/answers/": [
        f"{RESPOND}::test_saving_answers_commits_them_and_returns_the_new_revision_and_progress",
        f"{RESPOND}::test_without_a_respondent_session_every_endpoint_is_403",
        f"{RESPOND}::test_partner_a_cannot_reach_partner_b_response_by_any_endpoint",
    ],
    "POST /api/v1/respond/submit/": [
        f"{RESPOND}::test_submit_is_idempotent_and_locks_the_answers",
        f"{RESPOND}::test_without_a_respondent_session_every_endpoint_is_403",
        f"{RESPOND}::test_partner_a_cannot_reach_partner_b_response_by_any_endpoint",
    ],
    f"GET {P}/assignments/{{public_id}}/summary/": [
        "test_summary::test_state_shows_exactly_the_sections_before_release",
        *SUMMARY_ROLES,
    ],
    f"POST {P}/assignments/{{public_id}}/summary/release/": [
        "test_summary::test_release_then_withdraw",
        "test_summary::test_release_refused_with_a_safety_field_while_a_flag_is_open",
        *SUMMARY_ROLES,
    ],
    f"POST {P}/assignments/{{public_id}}/summary/withdraw/": [
        "test_summary::test_release_then_withdraw",
        "test_summary::test_withdraw_before_release_is_400",
        *SUMMARY_ROLES,
    ],
}

METHODS = {"get", "post", "put", "patch", "delete"}


def operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_api_operation_names_the_tests_that_cover_its_permissions() -> None:
    found = operations()

    missing = sorted(found - set(PERMISSION_TESTS))
    stale = sorted(set(PERMISSION_TESTS) - found)

    assert not missing, f"operations without tests in PERMISSION_TESTS: {missing}"
    assert not stale, f"PERMISSION_TESTS names operations that no longer exist: {stale}"


def test_every_test_named_in_the_permission_matrix_exists() -> None:
    for operation, tests in PERMISSION_TESTS.items():
        assert tests, operation
        for name in tests:
            module_name, test_name = name.split("::")
            if "." not in module_name:
                module_name = f"tests.api.{module_name}"
            module = importlib.import_module(module_name)
            assert callable(getattr(module, test_name, None)), f"{operation}: no test {name}"


def test_schema_is_openapi_3_and_served_without_login(anonymous: Client) -> None:
    response = anonymous.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Fulcrum API"
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert "Error" in schema["components"]["schemas"]


def test_docs_page_loads_its_assets_locally_and_has_no_inline_script(anonymous: Client) -> None:
    response = anonymous.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes
        assert not body.strip()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(source.startswith("/") for source in sources), sources
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_start_up_script_is_served_as_javascript(anonymous: Client) -> None:
    html = anonymous.get("/api/v1/docs/").content.decode()
    [script_url] = [
        url.replace("&amp;", "&") for url in re.findall(r'src="([^"]+)"', html) if "script" in url
    ]

    response = anonymous.get(script_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in response.content


def test_docs_assets_are_served(anonymous: Client) -> None:
    html = anonymous.get("/api/v1/docs/").content.decode()
    assets = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if u.startswith("/static/")]

    assert assets
    for asset in assets:
        response = anonymous.get(asset)
        assert response.status_code == 200, asset
        response.close()  # a static file is streamed from an open file


def test_the_schema_lists_the_safety_status_and_names_the_latest_results_instrument() -> None:
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    def enum_of(component: str, field: str) -> list[Any]:
        prop = schemas[component]["properties"][field]
        for ref in [prop, *prop.get("oneOf", []), *prop.get("allOf", [])]:
            if "$ref" in ref:
                target = schemas[ref["$ref"].rsplit("/", 1)[1]]
                if "enum" in target:
                    return list(target["enum"])
            if "enum" in ref:
                return list(ref["enum"])
        raise AssertionError(f"{component}.{field} has no enum: {prop}")

    for component in ("Couple", "Comparison"):
        values = [v for v in enum_of(component, "safety_status") if v is not None]
        assert values == ["none", "caution", "review"]
    assert schemas["Couple"]["properties"]["latest_result"]
    latest = schemas["LatestResult"]["properties"]
    assert {"index", "band", "instrument", "comparison"} <= set(latest)
    assert set(schemas["InstrumentName"]["properties"]) == {"slug", "title"}
