import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from awards.models import Category, Edition, Nominee, VotingMethod
from awards.services import ImportRejected, import_edition

pytestmark = pytest.mark.django_db

GOOD = {
    "edition": {
        "name": "Community Awards 2030",
        "slug": "community-awards-2030",
        "voting": {"opens": "2030-01-01T00:00:00Z", "closes": "2030-01-31T00:00:00Z"},
        "results_visibility": "after_close",
    },
    "categories": [
        {
            "title": "Best Fund",
            "method": "plurality",
            "nominees": [{"name": "Alpha"}, {"name": "Beta", "ticker": "BT"}],
        },
        {
            "title": "Best Wallet",
            "method": "approval",
            "max_choices": 2,
            "nominees": [{"name": "One"}, {"name": "Two"}],
        },
        {"title": "Best Chain", "slug": "chain", "method": "irv", "nominees": [{"name": "X"}, {"name": "Y"}]},
    ],
}


def _write(tmp_path: Path, document: object, name: str = "edition.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document) if name.endswith(".json") else str(document))
    return path


def test_import_creates_edition_categories_and_nominees_in_file_order() -> None:
    edition = import_edition(document=GOOD)
    assert edition.slug == "community-awards-2030"
    assert list(edition.categories.values_list("slug", "method", "max_choices", "order")) == [
        ("best-fund", VotingMethod.PLURALITY, None, 1),
        ("best-wallet", VotingMethod.APPROVAL, 2, 2),
        ("chain", VotingMethod.IRV, None, 3),
    ]
    assert list(Nominee.objects.filter(category__slug="best-fund").values_list("name", "ticker", "order")) == [
        ("Alpha", "", 1),
        ("Beta", "BT", 2),
    ]


def test_import_twice_changes_nothing() -> None:
    import_edition(document=GOOD)
    import_edition(document=GOOD)
    assert (Edition.objects.count(), Category.objects.count(), Nominee.objects.count()) == (1, 3, 6)


def test_reimport_updates_fields_in_place() -> None:
    first = import_edition(document=GOOD)
    changed = json.loads(json.dumps(GOOD))
    changed["edition"]["name"] = "Renamed"
    changed["categories"][0]["nominees"][0]["ticker"] = "ALP"
    second = import_edition(document=changed)
    assert second.pk == first.pk
    assert Nominee.objects.get(name="Alpha").ticker == "ALP"
    assert Edition.objects.get().name == "Renamed"


def test_bad_document_reports_every_problem_and_stores_nothing() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["edition"]["voting"]["closes"] = "2029-12-31T00:00:00Z"  # before it opens
    bad["categories"][1]["max_choices"] = 0
    bad["categories"][2]["nominees"].append({"name": "x"})  # duplicate, case folded
    bad["categories"][0]["colour"] = "red"
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=bad)
    problems = [str(p) for p in raised.value.problems]
    assert problems == ["edition: Voting must close after it opens."]
    assert (Edition.objects.count(), Category.objects.count(), Nominee.objects.count()) == (0, 0, 0)


def test_bad_category_rolls_back_a_valid_edition() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["categories"][1]["max_choices"] = 0
    bad["categories"][2]["nominees"].append({"name": "x"})
    bad["categories"][0]["colour"] = "red"
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=bad)
    problems = [str(p) for p in raised.value.problems]
    assert (
        "categories[0]: unknown field “colour” (allowed: intro, max_choices, method, nominees, slug, title)" in problems
    )
    assert "categories[1]: An approval category needs a maximum number of choices of at least 1." in problems
    assert "categories[2].nominees[2]: “x” appears twice in this category" in problems
    assert (Edition.objects.count(), Category.objects.count(), Nominee.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "(document): must be a mapping of fields"),
        ({"categories": []}, "edition: is required"),
        ({"edition": {"name": "N", "slug": "n"}, "categories": []}, "edition.voting: is required (opens and closes)"),
        (
            {"edition": {"name": "N", "voting": {"opens": "2030-01-01", "closes": "2030-02-01T00:00:00Z"}}},
            "edition.voting.opens: “2030-01-01” is not an ISO 8601 date-time with a time zone (e.g. 2024-12-01T00:00:00Z)",
        ),
        (
            {"edition": {"name": "N", "voting": {"opens": "2030-01-01T00:00:00Z", "closes": "2030-02-01T00:00:00Z"}}},
            "categories: must be a non-empty list",
        ),
    ],
)
def test_structural_problems_are_named(document: object, expected: str) -> None:
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=document)
    assert expected in [str(p) for p in raised.value.problems]
    assert Edition.objects.count() == 0


def test_command_loads_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "edition.yaml"
    path.write_text(
        "edition:\n  name: YAML Awards\n  voting: {opens: 2030-01-01T00:00:00Z, closes: 2030-02-01T00:00:00Z}\n"
        "categories:\n  - title: Only\n    nominees: [{name: A}, {name: B}]\n"
    )
    call_command("import_edition", str(path))
    assert "Loaded “YAML Awards” (yaml-awards): 1 categories" in capsys.readouterr().out
    assert Nominee.objects.filter(category__edition__slug="yaml-awards").count() == 2


def test_command_refuses_bad_file_and_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["categories"][0]["method"] = "dictatorship"
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was loaded"):
        call_command("import_edition", str(_write(tmp_path, bad)))
    assert "categories[0]: method: Value 'dictatorship' is not a valid choice." in capsys.readouterr().err
    assert Edition.objects.count() == 0


def test_command_refuses_unparsable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("edition: [unclosed")
    with pytest.raises(CommandError, match="is not valid JSON or YAML"):
        call_command("import_edition", str(path))


def test_command_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_edition", str(tmp_path / "nope.yaml"))
