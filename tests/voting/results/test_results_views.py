import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, ResultsVisibility, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

ETF_PAGE = "/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/"
REFERENCE_SENTENCES = [
    "BlackRock secured the top position with 49.7% of the total votes.",
    "Grayscale secured the 2nd position with 30.6% of the total votes.",
    "Fidelity secured the 3rd position with 7.0% of the total votes.",
    "ARK 21Shares secured the 4th position with 3.7% of the total votes.",
    "Bitwise secured the 5th position with 3.6% of the total votes.",
    "VanEck secured the 6th position with 3.2% of the total votes.",
    "Valkyrie secured the 7th position with 0.9% of the total votes.",
]
# The article's unlisted 1.3%, behind Valkyrie; the tie reads as a tie.
UNLISTED_SENTENCES = [
    "Franklin Templeton secured the 8th position with 0.5% of the total votes.",
    "Invesco Galaxy and WisdomTree share the 9th position with 0.4% of the total votes each.",
]


def test_reference_category_reads_like_the_article(client: Client, demo) -> None:
    response = client.get(ETF_PAGE)
    assert response.status_code == 200
    standings = response.context["standings"]
    assert standings.sentences == REFERENCE_SENTENCES + UNLISTED_SENTENCES
    assert [(r.position_label, r.label, str(r.share)) for r in standings.rows] == [
        ("1", "BlackRock", "49.7"),
        ("2", "Grayscale", "30.6"),
        ("3", "Fidelity", "7.0"),
        ("4", "ARK 21Shares", "3.7"),
        ("5", "Bitwise", "3.6"),
        ("6", "VanEck", "3.2"),
        ("7", "Valkyrie", "0.9"),
        ("8", "Franklin Templeton", "0.5"),
        ("=9", "Invesco Galaxy", "0.4"),
        ("=9", "WisdomTree", "0.4"),
    ]
    assert [(r.label, r.count, str(r.share), r.position_label) for r in standings.rows][:2] == [
        ("BlackRock", 497, "49.7", "1"),
        ("Grayscale", 306, "30.6", "2"),
    ]
    body = response.content.decode()
    for sentence in REFERENCE_SENTENCES + UNLISTED_SENTENCES:
        assert f"<p>{sentence}</p>" in body
    assert 'width="49.7%"' in body
    assert "1,000 ballots voted in this category" in body
    assert "Announced 10 January 2025 · 1,000 ballots counted." in re.sub(r"<[^>]+>", "", body)


def test_ranked_categories_show_their_detail(client: Client, demo) -> None:
    irv = client.get("/editions/moon-awards-2024/results/crypto-exchange-of-the-year/")
    assert "Round by round" in irv.content.decode()
    assert len(irv.context["standings"].irv_rounds) >= 2
    assert irv.context["standings"].first_preferences
    schulze = client.get("/editions/moon-awards-2024/results/best-layer-1-blockchain/")
    assert "Head to head" in schulze.content.decode()
    assert len(schulze.context["standings"].schulze_matrix) == 6


def test_overview_names_every_winner(client: Client, demo) -> None:
    response = client.get(reverse("voting:results", args=["moon-awards-2024"]))
    assert response.status_code == 200
    assert len(response.context["results"].categories) == 7
    assert REFERENCE_SENTENCES[0] in response.content.decode()


def test_downloads(client: Client, demo) -> None:
    document = json.loads(client.get("/editions/moon-awards-2024/results.json").content)
    assert (document["format"], document["stage"]) == ("podium-results/2", "final")
    assert document["published_at"] == "2025-01-10T12:00:00+00:00"
    etfs = next(c for c in document["categories"] if c["slug"] == "top-bitcoin-etfs-2024")
    top = etfs["standings"][0]
    assert top == {
        "nominee": top["nominee"],
        "name": "BlackRock",
        "position": 1,
        "tied": False,
        "count": 497,
        "share": "49.7",
        "share_of": 1000,
        "sentence": REFERENCE_SENTENCES[0],
    }
    assert etfs["nominees"][top["nominee"]] == {"name": "BlackRock", "detail": "iShares Bitcoin Trust · IBIT"}
    assert etfs["share_basis"] == "ballots that voted in this category"
    response = client.get("/editions/moon-awards-2024/results.csv")
    assert response["Content-Disposition"] == 'attachment; filename="moon-awards-2024-results.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["category", "method", "position", "tied", "nominee", "count", "share", "share_of", "ballots"]
    assert rows[1] == ["top-bitcoin-etfs-2024", "plurality", "1", "no", "BlackRock", "497", "49.7", "1000", "1000"]


def test_the_json_document_names_every_key_it_uses(client: Client, demo) -> None:
    document = json.loads(client.get("/editions/moon-awards-2024/results.json").content)
    for category in document["categories"]:
        keys = set(category["nominees"])
        assert all(isinstance(key, str) for key in keys)
        assert {row["nominee"] for row in category["standings"]} == keys
        detail = category["detail"]
        for entry in detail.get("rounds", []):
            assert set(entry["tallies"]) <= keys and set(entry["eliminated"]) <= keys
        if "winner" in detail:
            assert detail["winner"] in keys
        if "pairwise" in detail:
            assert set(detail["pairwise"]) == keys == set(detail["order"])
        ranked = category["method"] in ("irv", "schulze", "borda")
        assert (category["first_preferences"] is not None) == ranked


def test_hidden_results_are_not_shown_to_visitors_but_previewed_by_staff(client: Client, demo) -> None:
    Edition.objects.filter(slug="moon-awards-2024").update(
        published_at=None, results_visibility=ResultsVisibility.PUBLISHED
    )
    visitor = client.get(ETF_PAGE)
    assert visitor.status_code == 200
    assert "voting/results_pending.html" in [t.name for t in visitor.templates]
    assert "BlackRock secured" not in visitor.content.decode()
    assert client.get("/editions/moon-awards-2024/results.json").status_code == 404
    member = Client()
    member.force_login(UserFactory())
    assert "BlackRock secured" not in member.get(ETF_PAGE).content.decode()
    staff = Client()
    staff.force_login(StaffFactory())
    preview = staff.get(ETF_PAGE)
    assert preview.context["results"].is_preview is True
    assert "Staff preview." in preview.content.decode()


def test_after_close_rule(client: Client, demo) -> None:
    now = timezone.now()
    Edition.objects.filter(slug="moon-awards-2025").update(results_visibility=ResultsVisibility.AFTER_CLOSE)
    assert "voting/results_pending.html" in [
        t.name for t in client.get("/editions/moon-awards-2025/results/").templates
    ]
    Edition.objects.filter(slug="moon-awards-2025").update(voting_closes_at=now - timedelta(minutes=1))
    assert "voting/results_edition.html" in [
        t.name for t in client.get("/editions/moon-awards-2025/results/").templates
    ]


def test_cache_hit_makes_no_database_query_and_new_snapshot_replaces_it(
    client: Client, demo, django_capture_on_commit_callbacks
) -> None:
    first = client.get(ETF_PAGE)
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(ETF_PAGE)
    assert len(queries) == 0
    assert hit.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_ballots", "moon-awards-2024", _one_more_ballot())
    fresh = client.get(ETF_PAGE)
    assert "1,001 ballots voted in this category" in fresh.content.decode()


def _one_more_ballot() -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)  # noqa: SIM115
    handle.write("voter,top-bitcoin-etfs-2024\nlate-voter,BlackRock\n")
    handle.close()
    return handle.name


def test_publish_action_makes_results_public(client: Client, demo) -> None:
    Edition.objects.filter(slug="moon-awards-2024").update(
        published_at=None, results_visibility=ResultsVisibility.PUBLISHED
    )
    staff = Client()
    staff.force_login(StaffFactory())
    edition = Edition.objects.get(slug="moon-awards-2024")
    response = staff.post(
        reverse("admin:awards_edition_changelist"),
        {"action": "publish_selected", "_selected_action": [edition.pk], "apply": "yes"},
    )
    assert response.status_code == 302
    assert Edition.objects.get(pk=edition.pk).published_at is not None
    assert "BlackRock secured" in client.get(ETF_PAGE).content.decode()


def test_publish_refused_while_voting_is_open(demo) -> None:
    staff = Client()
    staff.force_login(StaffFactory())
    edition = Edition.objects.get(slug="moon-awards-2025")
    response = staff.post(
        reverse("admin:awards_edition_changelist"),
        {"action": "publish_selected", "_selected_action": [edition.pk]},
        follow=True,
    )
    assert (
        "Voting in Moon Awards 2025 is still open; results can be published once it closes."
        in response.content.decode()
    )
    assert Edition.objects.get(pk=edition.pk).published_at is None


def _edition_with_results(categories: int) -> Edition:
    """A live-results edition with `categories` categories (plurality, approval, IRV in turn), one ballot each."""
    methods = [VotingMethod.PLURALITY, VotingMethod.APPROVAL, VotingMethod.IRV]
    edition = EditionFactory()
    selections = {}
    for index in range(categories):
        method = methods[index % 3]
        max_choices = 2 if method == VotingMethod.APPROVAL else None
        category = CategoryFactory(
            edition=edition, title=f"Best thing {index}", method=method, max_choices=max_choices, order=index
        )
        nominees = [NomineeFactory(category=category, name=f"Thing {index}-{n}", order=n) for n in range(3)]
        selections[category.pk] = [nominees[0].pk]
    submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0)
    recompute_edition(edition.pk)
    return edition


def test_results_page_query_count_does_not_grow_with_categories() -> None:
    small, large = _edition_with_results(1), _edition_with_results(3)
    staff = Client()
    staff.force_login(StaffFactory())  # staff bypass the cache, so every request renders
    with CaptureQueriesContext(connection) as one:
        one_page = staff.get(reverse("voting:results", args=[small.slug]))
    with CaptureQueriesContext(connection) as three:
        three_page = staff.get(reverse("voting:results", args=[large.slug]))
    assert (one_page.status_code, three_page.status_code) == (200, 200)
    assert "Best thing 0" in one_page.content.decode()
    assert all(f"Best thing {n}" in three_page.content.decode() for n in range(3))
    assert len(one) == len(three), [q["sql"] for q in three.captured_queries]
