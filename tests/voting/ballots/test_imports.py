import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from awards.models import Edition
from awards.services import ImportRejected
from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.imports import import_ballots
from voting.ballots.selectors import selections_of
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotSource

pytestmark = pytest.mark.django_db

HEADER = "voter,fund,wallet,chain\n"


def _import(edition: Edition, text: str, **kwargs) -> object:
    return import_ballots(edition=edition, lines=io.StringIO(text), **kwargs)


def test_good_file_imports_every_ballot_with_source_and_voter(edition) -> None:
    outcome = _import(edition, HEADER + "alice,FUND-0,wallet-0;wallet-2,chain-2>chain-0\nbob,fund-1,,\n")
    assert (outcome.imported, outcome.skipped) == (2, [])
    alice = Ballot.objects.get(external_voter="alice")
    assert (alice.source, alice.voter) == (BallotSource.IMPORT, None)
    chain = nominee_ids(edition, "chain")
    assert selections_of(alice)[category(edition, "chain").pk] == [chain[2], chain[0]]
    assert selections_of(Ballot.objects.get(external_voter="bob")) == {
        category(edition, "fund").pk: [nominee_ids(edition, "fund")[1]]
    }


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(edition) -> None:
    text = HEADER + (
        "alice,fund-0,,\n"
        "bob,fund-0;fund-1,,\n"
        "carol,nobody,,\n"
        "dave,,wallet-0;wallet-1;wallet-2,\n"
        "alice,fund-1,,\n"
        ",fund-1,,\n"
        "erin,fund-1,,chain-0>chain-0\n"
        "frank,fund-1\n"
    )
    with pytest.raises(ImportRejected) as raised:
        _import(edition, text)
    assert [str(p) for p in raised.value.problems] == [
        "line 3: Best fund: “fund-0;fund-1” is not a nominee",
        "line 4: Best fund: “nobody” is not a nominee",
        "line 5: Best wallet: Approve at most 2 nominees.",
        "line 6: voter “alice” already appears on line 2",
        "line 7: the voter cell is empty",
        "line 8: Best chain: The same nominee is chosen more than once.",
        "line 9: expected 4 cells, found 2",
    ]
    assert Ballot.objects.count() == 0


def test_skip_invalid_imports_the_good_rows(edition) -> None:
    outcome = _import(edition, HEADER + "alice,fund-0,,\nbob,nobody,,\n", skip_invalid=True)
    assert outcome.imported == 1
    assert [str(p) for p in outcome.skipped] == ["line 3: Best fund: “nobody” is not a nominee"]
    assert list(Ballot.objects.values_list("external_voter", flat=True)) == ["alice"]


def test_voter_already_imported_is_refused(edition) -> None:
    _import(edition, HEADER + "alice,fund-0,,\n")
    with pytest.raises(ImportRejected) as raised:
        _import(edition, HEADER + "alice,fund-1,,\n")
    assert [str(p) for p in raised.value.problems] == [
        "line 2: voter “alice” already has an imported ballot in this edition"
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,fund\n", "line 1: the first column must be “voter”"),
        ("voter,fund,fund\n", "line 1: category “fund” appears twice"),
        ("voter,elsewhere\n", "line 1: “elsewhere” is not a category of Open Awards"),
    ],
)
def test_bad_header_is_refused(edition, header: str, message: str) -> None:
    with pytest.raises(ImportRejected) as raised:
        _import(edition, header + "alice,fund-0\n")
    assert message in [str(p) for p in raised.value.problems]


def test_import_ignores_the_voting_window(edition) -> None:
    edition.voting_opens_at = edition.voting_opens_at.replace(year=2001)
    edition.voting_closes_at = edition.voting_closes_at.replace(year=2002)
    edition.save()
    assert _import(edition, HEADER + "alice,fund-0,,\n").imported == 1


def test_command_imports_and_reports(edition, tmp_path: Path, capsys) -> None:
    good = tmp_path / "ballots.csv"
    good.write_text(HEADER + "alice,fund-0,,\n", encoding="utf-8")
    call_command("import_ballots", edition.slug, str(good))
    assert "Imported 1 ballot(s) into “Open Awards”; skipped 0." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "bob,nobody,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was imported"):
        call_command("import_ballots", edition.slug, str(bad))
    assert "line 2: Best fund: “nobody” is not a nominee" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no edition with slug “nope”"):
        call_command("import_ballots", "nope", str(good))


def test_blank_lines_anywhere_are_skipped(edition) -> None:
    outcome = _import(edition, HEADER + "alice,fund-0,,\n\n  ,,,\nbob,fund-1,,\n\n")
    assert outcome.imported == 2
    assert sorted(Ballot.objects.values_list("external_voter", flat=True)) == ["alice", "bob"]


@pytest.mark.parametrize(("header", "hint"), [("voter;fund;wallet\n", "semicolons"), ("voter\tfund\n", "tabs")])
def test_other_delimiters_get_a_hint(edition, header: str, hint: str) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(edition, header + "alice;fund-0;\n")
    assert str(rejected.value) == (
        f"line 1: the first column must be “voter” (this file seems to be separated by {hint}: "
        "save it as comma-separated CSV)"
    )


def test_an_unterminated_quote_is_reported_on_the_line_it_opens(edition) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(edition, HEADER + 'alice,fund-0,,\nbob,"fund-1,,\ncarol,fund-0,,\ndave,fund-1,,\n')
    assert str(rejected.value) == "line 3: a quoted cell is never closed"
    assert Ballot.objects.count() == 0


def test_voter_ids_differing_only_in_case_or_spacing_are_one_voter(edition) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(edition, HEADER + "Alice@Example.com,fund-0,,\n alice@example.COM ,fund-1,,\n")
    assert str(rejected.value) == "line 3: voter “alice@example.com” already appears on line 2"
    _import(edition, HEADER + "Alice@Example.com,fund-0,,\n")
    with pytest.raises(ImportRejected) as again:
        _import(edition, HEADER + "ALICE@example.com,fund-1,,\n")
    assert "already has an imported ballot in this edition" in str(again.value)


def test_over_long_voter_ids_and_cells_are_refused_before_writing(edition) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(edition, HEADER + f"{'v' * 201},fund-0,,\nbob,{'x' * 20_000},,\n")
    assert [str(p) for p in rejected.value.problems] == [
        "line 2: the voter identifier is longer than 200 characters",
        "line 3: a cell is longer than 10,000 characters",
    ]
    assert Ballot.objects.count() == 0


def test_a_cell_beyond_the_csv_field_limit_is_a_message_not_a_traceback(edition) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(edition, HEADER + f'alice,"{"x" * 200_000}",,\n')
    assert str(rejected.value).startswith("line 2: field larger than field limit")


def test_imported_votes_and_digest_match_a_web_ballot_with_the_same_choices(edition) -> None:
    chain, fund = nominee_ids(edition, "chain"), nominee_ids(edition, "fund")
    choices = {category(edition, "chain").pk: [chain[2], chain[0]], category(edition, "fund").pk: [fund[1]]}
    web = submit_ballot(voter=UserFactory(), edition=edition, selections=choices, expected_version=0).ballot
    _import(edition, HEADER + "alice,fund-1,,chain-2>chain-0\n")
    imported = Ballot.objects.get(external_voter="alice")
    assert imported.content_digest == web.content_digest != ""
    ranks = sorted(imported.votes.values_list("category__slug", "rank"))
    assert (
        ranks == sorted(web.votes.values_list("category__slug", "rank")) == [("chain", 1), ("chain", 2), ("fund", None)]
    )


def test_voter_addresses_are_normalised_like_sign_up_addresses(edition) -> None:
    with pytest.raises(ImportRejected) as rejected:
        _import(
            edition,
            HEADER + "alice@sec.test,fund-0,,\nalice@\uff53\uff45\uff43.test,fund-1,,\nbob@sec.test\u200b,fund-1,,\n",
        )
    assert [str(p) for p in rejected.value.problems] == [
        "line 3: voter “alice@sec.test” already appears on line 2",
        "line 4: the voter “bob@sec.test\u200b”: The e-mail address contains an invisible character "
        "(U+200B ZERO WIDTH SPACE). Type it again without it.",
    ]
