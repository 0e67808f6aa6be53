"""schemathesis against the served OpenAPI schema on a live server, as a counsellor and as an
admin (token auth), seeded with real records so that detail routes reach real objects as well
as random ids. Every operation, positive and negative data: no server error, every response
conforms to the schema, and invalid input is refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)

from assessments.assignments.services import NewAssignment
from assessments.reports import agenda as agendas
from clients.models import Couple, Invitation
from practice.api.auth import token_create
from practice.models import Membership, Practice, User
from tests.support.comparing import a_holds_the_say, b_agrees_a_holds_the_say, compared

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
POSITIVE_EXAMPLES = 15
NEGATIVE_EXAMPLES = 8
HYPOTHESIS = settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@dataclass
class Seed:
    practice: Practice
    keys: dict[str, str]
    # Real identifiers per path parameter and resource, mixed in with generated ones.
    real: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def known(self, path: str, parameter: str) -> list[str]:
        parts = path.strip("/").split("/")
        resource = parts[parts.index("{" + parameter + "}") - 1]
        return self.real.get((resource, parameter), [])


@pytest.fixture
def seed(
    library: None,
    practice: Practice,
    admin: User,
    counsellor: User,
    counsellor_membership: Membership,
    couple: Couple,
    assignment: NewAssignment,
) -> Seed:
    comparison = compared(assignment, a_holds_the_say, b_agrees_a_holds_the_say)
    with scope(practice=practice):
        agenda = agendas.agenda_for_assignment(
            assignment=comparison.assignment, created_by=counsellor_membership
        )
        result = comparison.as_result()
        assert result is not None
        agendas.agenda_add_topics(
            agenda=agenda, comparison=comparison, topic_slugs=[t.slug for t in result.topics[:2]]
        )
        invitations = [str(i.public_id) for i in Invitation.objects.filter(practice=practice)]
        item = agenda.items.first()
        assert item is not None
        admin_membership = Membership.objects.get(user=admin)
    spare_token, _ = token_create(user=counsellor, name="spare")
    keys = {
        "counsellor": token_create(user=counsellor, name="fuzz")[1],
        "admin": token_create(user=admin, name="fuzz")[1],
    }
    real = {
        ("couples", "public_id"): [str(couple.public_id)],
        ("clients", "public_id"): [str(couple.partner_a.public_id)],
        ("assignments", "public_id"): [str(assignment.assignment.public_id)],
        ("invitations", "public_id"): invitations,
        ("comparisons", "public_id"): [str(comparison.public_id)],
        ("agendas", "public_id"): [str(agenda.public_id)],
        ("members", "public_id"): [str(admin_membership.public_id)],
        ("topics", "slug"): [item.topic_slug],
        ("instruments", "slug"): ["balance-of-power-inventory"],
        ("tokens", "public_id"): [str(spare_token.public_id)],
    }
    return Seed(practice, keys, real)


@dataclass
class Outcome:
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    nothing_to_negate: list[str] = field(default_factory=list)


def _strategy(operation: Any, mode: GenerationMode, seed: Seed) -> Any:
    fixed = {"practice_slug": seed.practice.slug}
    strategies = [operation.as_strategy(generation_mode=mode, path_parameters=fixed)]
    for parameter in ("public_id", "slug"):
        if "{" + parameter + "}" in operation.path:
            for value in seed.known(operation.path, parameter):
                strategies.append(
                    operation.as_strategy(
                        generation_mode=mode, path_parameters={**fixed, parameter: value}
                    )
                )
    return st.one_of(*strategies)


def _run(operation: Any, mode: GenerationMode, examples: int, call: Callable[[Any], None]) -> bool:
    """False when there is nothing to generate (e.g. negative data for an operation whose only
    input is the fixed practice slug)."""

    @settings(HYPOTHESIS, max_examples=examples)
    @given(case=_strategy(operation, mode, call.seed))  # type: ignore[attr-defined]
    def explore(case: Any) -> None:
        call(case)

    try:
        explore()
    except Unsatisfiable:
        return False
    return True


def fuzz_as(persona: str, seed: Seed, base_url: str) -> Outcome:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/schema/")
    headers = {"Authorization": f"Token {seed.keys[persona]}"}
    outcome = Outcome()

    def call(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        outcome.calls += 1
        outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        # Collected, not raised: one bad route must not hide the others.
        except (Exception, BaseExceptionGroup) as failure:
            outcome.failures.append(f"{persona} {case.operation.label}: {failure}"[:2000])

    call.seed = seed  # type: ignore[attr-defined]
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        _run(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, call)
        if not _run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, call):
            outcome.nothing_to_negate.append(operation.label)
    return outcome


def test_schema_fuzzing_finds_no_server_error_and_no_schema_violation(
    seed: Seed, live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    # The counsellor first: the admin's turn may deactivate members or archive couples.
    outcomes = {
        persona: fuzz_as(persona, seed, live_server.url) for persona in ("counsellor", "admin")
    }
    elapsed = time.monotonic() - started

    with capsys.disabled():
        for persona, outcome in outcomes.items():
            print(
                f"\nschemathesis as {persona}: {outcome.calls} requests, statuses "
                f"{dict(sorted(outcome.statuses.items()))}, {len(outcome.failures)} failures; "
                f"no negative data for {len(outcome.nothing_to_negate)} operations"
            )
        print(f"schemathesis total: {elapsed:.0f} s")
    failures = [f for outcome in outcomes.values() for f in outcome.failures]
    assert not failures, "\n\n".join(failures[:10])
    assert all(500 not in outcome.statuses for outcome in outcomes.values())
    assert all(outcome.statuses.get(200, 0) > 0 for outcome in outcomes.values())
