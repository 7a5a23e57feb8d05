import io

import pytest
from django.core.management import call_command

from awards.models import Edition
from voting.models import Ballot, CategoryResult, ResultsState

pytestmark = pytest.mark.django_db


def _current(slug: str) -> dict[str, CategoryResult]:
    edition = Edition.objects.get(slug=slug)
    release = ResultsState.objects.get(edition=edition).current_release
    return {r.category.slug: r for r in CategoryResult.objects.filter(release=release).select_related("category")}


def test_demo_reproduces_the_reference_table_exactly(demo: None) -> None:
    etfs = _current("moon-awards-2024")["top-bitcoin-etfs-2024"]
    edition = Edition.objects.get(slug="moon-awards-2024")
    names = dict(edition.categories.get(slug="top-bitcoin-etfs-2024").nominees.values_list("pk", "name"))
    rows = [(row["position"], names[row["nominee"]], row["score"], row["share"]) for row in etfs.standings]
    assert rows == [
        (1, "BlackRock", 497, "49.7"),
        (2, "Grayscale", 306, "30.6"),
        (3, "Fidelity", 70, "7.0"),
        (4, "ARK 21Shares", 37, "3.7"),
        (5, "Bitwise", 36, "3.6"),
        (6, "VanEck", 32, "3.2"),
        (7, "Valkyrie", 9, "0.9"),
        (8, "Franklin Templeton", 5, "0.5"),
        (9, "Invesco Galaxy", 4, "0.4"),
        (9, "WisdomTree", 4, "0.4"),
    ]
    assert etfs.ballots == 1000


def test_demo_other_categories_have_varied_results_and_detail(demo: None) -> None:
    results = _current("moon-awards-2024")
    assert Ballot.objects.filter(edition__slug="moon-awards-2024").count() == 1000
    assert results["crypto-exchange-of-the-year"].detail["rounds"]
    assert results["best-layer-1-blockchain"].detail["pairwise"]
    wallet = results["best-self-custody-wallet"]
    assert wallet.method == "approval"
    assert 800 < wallet.ballots < 1000  # some abstain
    assert len({row["score"] for row in wallet.standings}) > 3
    live = _current("moon-awards-2025")
    assert Ballot.objects.filter(edition__slug="moon-awards-2025").count() == 240
    assert live["top-ethereum-etfs-2025"].ballots > 0


def test_demo_ballots_load_once(demo: None) -> None:
    call_command("load_demo")  # a second run over what the first left
    assert Ballot.objects.filter(edition__slug="moon-awards-2024").count() == 1000
    assert Ballot.objects.filter(edition__slug="moon-awards-2025").count() == 240


def test_load_demo_says_what_it_holds() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    holds = "The demo holds 1,000 ballots in “Moon Awards 2024” (published) and 240 in “Moon Awards 2025” (voting open)"
    assert f"{holds}; 1,240 added now." in out.getvalue()
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert f"{holds}; none added now." in again.getvalue()
