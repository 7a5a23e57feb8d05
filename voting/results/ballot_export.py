"""The anonymised ballot export for audits: enough to recount every category, nothing to identify a voter.

Ballots carry no id, voter, address, agent or time; they are ordered by the hash of their
current receipt code (then by content), not by when they were cast. A receipt code has 80
random bits, so its SHA-256 cannot be reversed, yet a voter can find their own ballot by
hashing their code. Only counted ballots are exported, as the tally counts them.
"""

import hashlib
import json
from typing import Any

from django.db.models import F
from django.utils import timezone

from awards.models import Edition
from voting.models import Ballot, Receipt, ResultsState, Vote


def _receipt_hashes(edition: Edition) -> dict[int, str]:
    current = (
        Receipt.objects.of_counted_ballots()
        .filter(ballot__edition=edition, ballot_version=F("ballot__version"))
        .values_list("ballot_id", "code")
    )
    return {ballot_id: hashlib.sha256(code.encode()).hexdigest() for ballot_id, code in current}


def _choices(edition: Edition, slugs: dict[int, str]) -> dict[int, dict[str, list[int]]]:
    votes = (
        Vote.objects.of_counted_ballots()
        .filter(ballot__edition=edition)
        .order_by("ballot_id", "category_id", "rank", "id")
        .values_list("ballot_id", "category_id", "nominee_id")
        .iterator(chunk_size=20_000)
    )
    choices: dict[int, dict[str, list[int]]] = {}
    for ballot_id, category_id, nominee_id in votes:
        choices.setdefault(ballot_id, {}).setdefault(slugs[category_id], []).append(nominee_id)
    return choices


def anonymised_ballots(edition: Edition) -> dict[str, Any]:
    """Categories (method, candidates in display order) and every counted ballot's choices.

    Each ballot is {"receipt_sha256": hex or null (imported ballots have no receipt),
    "choices": {category slug: [nominee ids, best first when ranked]}}.
    """
    categories = list(edition.categories.prefetch_related("nominees"))
    slugs = {c.pk: c.slug for c in categories}
    hashes = _receipt_hashes(edition)
    chosen = _choices(edition, slugs)
    counted = Ballot.objects.counted().filter(edition=edition).values_list("pk", flat=True)
    ballots = [{"receipt_sha256": hashes.get(pk), "choices": chosen.get(pk, {})} for pk in counted.iterator()]
    ballots.sort(key=lambda b: (b["receipt_sha256"] or "", json.dumps(b["choices"], sort_keys=True)))
    state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
    release = state.current_release if state else None
    return {
        "edition": {"slug": edition.slug, "name": edition.name},
        "generated_at": timezone.now().isoformat(),
        "results_computed_at": release.computed_at.isoformat() if release else None,
        "categories": [
            {
                "slug": c.slug,
                "title": c.title,
                "method": c.method,
                "max_choices": c.max_choices,
                "nominees": [{"id": n.pk, "name": n.name, "active": n.active} for n in c.nominees.all()],
            }
            for c in categories
        ],
        "ballots": ballots,
    }
