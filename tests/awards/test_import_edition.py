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


def _with(path: str, value: object) -> dict:
    """GOOD with one value replaced, `path` like "categories.0.nominees.1.active"."""
    document = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    target = document
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("edition.public", "false", "edition.public: must be true or false, written without quotes (found “false”)"),
        (
            "categories.0.nominees.1.active",
            "false",
            "categories[0].nominees[1].active: must be true or false, written without quotes (found “false”)",
        ),
        ("edition.public", 0, "edition.public: must be true or false, written without quotes (found 0)"),
        (
            "categories.1.max_choices",
            "2",
            "categories[1].max_choices: must be a whole number, written without quotes (found “2”)",
        ),
        (
            "categories.1.max_choices",
            True,
            "categories[1].max_choices: must be a whole number, written without quotes (found True)",
        ),
        ("edition.name", 2030, "edition.name: must be text (found 2030; put it in quotes)"),
        (
            "categories.2.nominees.0.name",
            None,
            "categories[2].nominees[0].name: must be text (found None; put it in quotes)",
        ),
        ("categories.0.nominees", [], "categories[0].nominees: must be a non-empty list of nominees"),
        ("categories.0", "Best Fund", "categories[0]: must be a mapping of fields"),
        ("edition.voting", {"opens": "2030-01-01T00:00:00Z"}, "edition.voting.closes: is required"),
    ],
)
def test_wrong_types_are_refused_with_their_path_and_nothing_is_stored(path: str, value: object, expected: str) -> None:
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=_with(path, value))
    assert [str(p) for p in raised.value.problems] == [expected]
    assert (Edition.objects.count(), Category.objects.count(), Nominee.objects.count()) == (0, 0, 0)


def test_every_type_problem_is_listed_at_once() -> None:
    bad = _with("edition.public", "false")
    bad["categories"][0]["nominees"][0]["active"] = "no"
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=bad)
    assert [p.where for p in raised.value.problems] == ["edition.public", "categories[0].nominees[0].active"]


def test_a_draft_stays_a_draft_and_an_inactive_nominee_inactive() -> None:
    document = _with("edition.public", False)
    document["categories"][0]["nominees"][0]["active"] = False
    edition = import_edition(document=document)
    assert edition.is_public is False
    assert Nominee.objects.get(name="Alpha").active is False


def test_an_unknown_top_level_field_is_named() -> None:
    with pytest.raises(ImportRejected) as raised:
        import_edition(document={**GOOD, "extras": 1})
    assert [str(p) for p in raised.value.problems] == [
        "(document): unknown field “extras” (allowed: categories, edition)"
    ]


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def test_command_refuses_yaml_anchors_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(CommandError) as refused:
        call_command("import_edition", str(path))
    assert "a YAML anchor (&) is not allowed in an edition file: write the value out" in str(refused.value)
    assert "line 1, column 4" in str(refused.value)
    assert Edition.objects.count() == 0


def test_command_refuses_an_alias_without_an_anchor(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("edition: *missing\n")
    with pytest.raises(CommandError, match=r"alias \(\*\) is not allowed"):
        call_command("import_edition", str(path))


def test_command_refuses_a_file_over_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# " + "x" * 1_000_000 + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_edition", str(path))
    assert str(refused.value) == (
        f"{path} is 1,000,001 bytes or more; an edition file may have at most 1,000,000; nothing was loaded"
    )


def test_command_refuses_quoted_false_in_a_yaml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "draft.yaml"
    path.write_text(
        "edition:\n  name: Draft Awards\n  public: 'false'\n"
        "  voting: {opens: 2030-01-01T00:00:00Z, closes: 2030-02-01T00:00:00Z}\n"
        "categories:\n  - title: Only\n    nominees: [{name: A, active: 'false'}, {name: B}]\n"
    )
    with pytest.raises(CommandError, match=r"2 problem\(s\); nothing was loaded"):
        call_command("import_edition", str(path))
    err = capsys.readouterr().err
    assert "edition.public: must be true or false, written without quotes (found “false”)" in err
    assert "categories[0].nominees[0].active: must be true or false, written without quotes (found “false”)" in err
    assert Edition.objects.count() == 0
