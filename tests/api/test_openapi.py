"""The OpenAPI document is valid and the API keeps to it: schemathesis, in-process, on the demo data.

Each operation is fuzzed through the WSGI app (no server), with a member's API token, twice:
with generated path parameters (mostly unknown slugs, so 404s) and with the demo's real
slugs (so real results, ballots and exports). Any 5xx, or any response that does not
match the document (status, headers, content type, body), fails the test.
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from accounts.services import create_api_token
from config.api import api
from tests.factories import StaffFactory, UserFactory
from tests.fuzzing import examples

pytestmark = pytest.mark.django_db

OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items()
    for method in item
]
DEMO_SLUGS = {"edition_slug": "moon-awards-2025", "category_slug": "top-ethereum-etfs-2025"}
EXAMPLES = examples(20)  # per operation
STAFF_ONLY = {"GET /api/v1/editions/{edition_slug}/export/ballots.json"}  # fuzzed with a staff token
# A schema-valid ballot may still break a voting rule (a nominee of another category, two
# choices in a plurality category): the 400 with the rule's message is the right answer,
# so this heuristic check (not a schema check) is off for ballot submissions only.
BUSINESS_RULES = {
    "PUT /api/v1/editions/{edition_slug}/ballot": [schemathesis.checks.positive_data_acceptance],
    "POST /api/v1/editions/{edition_slug}/ballot": [schemathesis.checks.positive_data_acceptance],
}


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Requests go through the bare WSGI handler: stop it closing the test's database connection
    as each request starts and finishes (Django's test client does the same)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def fuzzing(
    demo: None, settings: Any, keep_test_connection: None
) -> tuple[schemathesis.BaseSchema, dict[str, dict[str, str]]]:
    settings.PODIUM_API_RATE_LIMIT_ADDRESS = "100000/m"
    settings.PODIUM_API_RATE_LIMIT_TOKEN = "100000/m"
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "", "check_receipt": ""}
    _, member = create_api_token(user=UserFactory(), name="fuzz")
    _, staff = create_api_token(user=StaffFactory(), name="fuzz")
    headers = {label: {"Authorization": f"Bearer {staff if label in STAFF_ONLY else member}"} for label in OPERATIONS}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler()), headers


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) == 15  # 13 paths; the ballot takes GET, PUT and POST
    assert "PUT /api/v1/editions/{edition_slug}/ballot" in OPERATIONS


def _fuzz(
    schema: schemathesis.BaseSchema,
    headers: dict[str, dict[str, str]],
    label: str,
    demo_slugs: bool,
    seen: Counter[str],
) -> None:
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    names = {p.name for p in operation.iter_parameters() if p.location == "path"}
    overrides = {k: v for k, v in DEMO_SLUGS.items() if k in names} if demo_slugs else None
    if demo_slugs and not overrides:
        return

    @given(case=operation.as_strategy(path_parameters=overrides))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers[label], excluded_checks=BUSINESS_RULES.get(label, []))
        seen[f"{label} {response.status_code}"] += 1

    run()


def test_every_operation_keeps_to_the_schema(fuzzing) -> None:
    """One test, so the demo loads once: every operation, with generated and with real slugs."""
    schema, headers = fuzzing
    failures, seen = {}, Counter[str]()
    for label in OPERATIONS:
        for demo_slugs in (False, True):
            try:
                _fuzz(schema, headers, label, demo_slugs, seen)
            except Exception as failure:  # collected, then reported together
                failures[f"{label} ({'demo' if demo_slugs else 'generated'} slugs)"] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
    # The real slugs reached real data, not only 404s.
    for reached in (
        "GET /api/v1/editions 200",
        "GET /api/v1/editions/{edition_slug}/results/{category_slug} 200",
        "GET /api/v1/editions/{edition_slug}/export/results.csv 200",
        "GET /api/v1/editions/{edition_slug}/ballot 200",
        "PUT /api/v1/editions/{edition_slug}/ballot 400",
        "GET /api/v1/editions/{edition_slug}/export/ballots.json 200",
    ):
        assert seen[reached], reached
