import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from awards.models import Edition
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.exports import csv_cell
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

PLANTED = ['=HYPERLINK("http://evil.test")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned"]


@pytest.fixture
def planted() -> Edition:
    """A live edition whose nominees are named like spreadsheet formulas, one vote each."""
    edition = EditionFactory(slug="planted")
    category = CategoryFactory(edition=edition, slug="=cmd", title="Formulas")
    nominees = [NomineeFactory(category=category, name=name, order=n) for n, name in enumerate(PLANTED)]
    for nominee in nominees:
        submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    return edition


def _csv_nominees(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


def _assert_escaped(rows: list[list[str]]) -> None:
    assert sorted(row[4] for row in rows) == sorted(f"'{name}" for name in PLANTED)
    assert {row[0] for row in rows} == {"'=cmd"}
    assert all(row[2] == "1" and row[5] == "1" for row in rows)  # numbers stay numbers


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped_in_the_page_download(client: Client, planted) -> None:
    _assert_escaped(_csv_nominees(client.get("/editions/planted/results.csv").content.decode()))


def test_csv_cells_are_escaped_in_the_api_export(client: Client, planted) -> None:
    _assert_escaped(_csv_nominees(client.get("/api/v1/editions/planted/export/results.csv").content.decode()))


def test_csv_cells_are_escaped_by_export_results(planted) -> None:
    out = io.StringIO()
    call_command("export_results", "planted", "--format", "csv", stdout=out)
    _assert_escaped(_csv_nominees(out.getvalue()))


def test_json_keeps_the_names_exact(client: Client, planted) -> None:
    document = json.loads(client.get("/editions/planted/results.json").content)
    names = {row["name"] for row in document["categories"][0]["standings"]}
    assert names == set(PLANTED)


def test_only_text_is_escaped_never_a_number() -> None:
    assert csv_cell(-3) == -3
    assert csv_cell("-3") == "'-3"
    assert csv_cell("BlackRock") == "BlackRock"
    assert csv_cell("") == ""


def test_every_export_document_keeps_to_the_documented_schema(demo: None, client: Client) -> None:
    from voting.results.api import DocumentCategoryOut, DocumentStandingOut, ResultsDocumentOut

    for slug in ("moon-awards-2024", "moon-awards-2025"):
        page = json.loads(client.get(f"/editions/{slug}/results.json").content)
        api = client.get(f"/api/v1/editions/{slug}/export/results.json").json()
        out = io.StringIO()
        call_command("export_results", slug, "--format", "json", stdout=out)
        command = json.loads(out.getvalue())
        assert page == api
        assert {k: v for k, v in command.items() if k != "status"} == {k: v for k, v in page.items() if k != "status"}
        ResultsDocumentOut.model_validate(page)
        assert set(page) == _fields(ResultsDocumentOut)  # no field the schema does not describe
        for category in page["categories"]:
            assert set(category) == _fields(DocumentCategoryOut)
            assert all(set(row) == _fields(DocumentStandingOut) for row in category["standings"])
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "share_of" in schema["DocumentStandingOut"]["properties"]


def _fields(schema: Any) -> set[str]:
    return {field.alias or name for name, field in schema.model_fields.items()}
