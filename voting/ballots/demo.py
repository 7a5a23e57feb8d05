"""Demo ballots, cast through the same import path as any offline survey.

The 2024 edition gets 1,000 ballots whose "Top Bitcoin ETFs in 2024" votes reproduce the
published Moon Awards table exactly, positions included (497, 306, 70, 37, 36, 32 and 9,
then the article's unlisted 13 votes as 5, 4 and 4 for three nominees behind Valkyrie); its other
categories get plausible, varied results from a seeded popularity model. The open 2025
edition gets a smaller, earlier share of ballots so that live standings show.
"""

import csv
import io
import random
from collections.abc import Sequence

from awards.models import Category, Edition, VotingMethod
from voting.ballots.imports import import_ballots
from voting.models import Ballot, BallotSource

REFERENCE_CATEGORY = "top-bitcoin-etfs-2024"
REFERENCE_COUNTS = {
    "BlackRock": 497,
    "Grayscale": 306,
    "Fidelity": 70,
    "ARK 21Shares": 37,
    "Bitwise": 36,
    "VanEck": 32,
    "Valkyrie": 9,
    # The article's unlisted 1.3%, split so that each stays behind Valkyrie's 9 votes.
    "Franklin Templeton": 5,
    "Invesco Galaxy": 4,
    "WisdomTree": 4,
}
DEMO_BALLOTS = {"moon-awards-2024": 1_000, "moon-awards-2025": 240}


def _weights(names: Sequence[str], rng: random.Random) -> list[float]:
    """A skewed popularity: a clear favourite, a contender, a long tail."""
    return [rng.uniform(0.5, 1.5) / (rank + 1) ** 1.2 for rank in range(len(names))]


def _pick_in_order(names: list[str], weights: list[float], k: int, rng: random.Random) -> list[str]:
    pool, pool_weights, picked = list(names), list(weights), []
    for _ in range(min(k, len(pool))):
        choice = rng.choices(range(len(pool)), weights=pool_weights)[0]
        picked.append(pool.pop(choice))
        pool_weights.pop(choice)
    return picked


def _cell(category: Category, names: list[str], weights: list[float], rng: random.Random) -> str:
    if not names or rng.random() < 0.06:
        return ""  # abstains (or nothing to choose from)
    if category.method == VotingMethod.PLURALITY:
        return _pick_in_order(names, weights, 1, rng)[0]
    if category.method == VotingMethod.APPROVAL:
        count = rng.randint(1, category.max_choices or 1)
        return ";".join(_pick_in_order(names, weights, count, rng))
    return ">".join(_pick_in_order(names, weights, rng.randint(1, len(names)), rng))


def demo_ballot_csv(edition: Edition, ballots: int, seed: int) -> str:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    categories = list(edition.categories.prefetch_related("nominees"))
    reference = [name for name, count in REFERENCE_COUNTS.items() for _ in range(count)]
    rng.shuffle(reference)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["voter", *(c.slug for c in categories)])
    popularity = {}
    for category in categories:
        names = [n.name for n in category.nominees.all() if n.active]
        rng.shuffle(names)
        popularity[category.pk] = (names, _weights(names, rng))
    for index in range(ballots):
        row = [f"demo-voter-{edition.slug[-4:]}-{index + 1:04d}"]
        for category in categories:
            if category.slug == REFERENCE_CATEGORY:
                row.append(reference[index])
            else:
                row.append(_cell(category, *popularity[category.pk], rng))
        writer.writerow(row)
    return out.getvalue()


def load_demo_ballots(editions: Sequence[Edition]) -> int:
    """Import the demo ballots of each edition that has none yet; return how many were added."""
    added = 0
    for seed, edition in enumerate(editions, start=2024):
        if Ballot.objects.filter(edition=edition, source=BallotSource.IMPORT).exists():
            continue
        text = demo_ballot_csv(edition, DEMO_BALLOTS.get(edition.slug, 100), seed)
        added += import_ballots(edition=edition, lines=io.StringIO(text)).imported
    return added
