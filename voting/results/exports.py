"""Results as documents: the JSON and CSV downloads (pages, API, `export_results`)."""

import csv
from typing import Any

from django.http import HttpResponse, JsonResponse

from voting.results.selectors import CategoryStandings, EditionResults, ResultRow

FORMAT = "podium-results/2"  # the schema: voting/results/api.py, ResultsDocumentOut


def nominee_key(nominee_id: int) -> str:
    """The nominee's key in a document: its id as a string, the one key type used throughout."""
    return str(nominee_id)


def keyed_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """A method's detail with every nominee named by its key (the engines give some ids as ints).

    IRV rounds keep their tallies and transfers (already keyed) and get `eliminated` and
    `winner` as keys; Schulze's `order` likewise. Everything else is unchanged.
    """
    keyed = dict(detail)
    if "rounds" in keyed:
        keyed["rounds"] = [
            {**entry, "eliminated": [nominee_key(int(n)) for n in entry["eliminated"]]} for entry in keyed["rounds"]
        ]
    if keyed.get("winner") is not None:
        keyed["winner"] = nominee_key(int(keyed["winner"]))
    if "order" in keyed:
        keyed["order"] = [nominee_key(int(n)) for n in keyed["order"]]
    return keyed


def _standing(row: ResultRow, standings: CategoryStandings) -> dict[str, Any]:
    return {
        "nominee": nominee_key(row.nominee_id),
        "name": row.label,
        "position": row.position,
        "tied": row.tied,
        "count": row.count,
        "share": f"{row.share:.1f}",
        "share_of": standings.share_denominator(row.nominee_id),
        "sentence": row.sentence,
    }


def _first_preference(row: ResultRow, standings: CategoryStandings) -> dict[str, Any]:
    return {**_standing(row, standings), "share_of": standings.ballots}


def category_document(c: CategoryStandings) -> dict[str, Any]:
    """One category, readable without the database: every nominee key is named in `nominees`."""
    firsts = c.first_preferences
    return {
        "title": c.category.title,
        "slug": c.category.slug,
        "method": c.method,
        "ballots": c.ballots,
        "share_basis": c.share_basis,
        "nominees": {nominee_key(r.nominee_id): {"name": r.label, "detail": r.sublabel} for r in c.rows},
        "standings": [_standing(r, c) for r in c.rows],
        "first_preferences": [_first_preference(r, c) for r in firsts] if firsts is not None else None,
        "sentences": c.sentences,
        "detail": keyed_detail(c.detail),
    }


def as_document(results: EditionResults) -> dict[str, Any]:
    """The JSON download, the API's JSON export and `export_results --format json` (schema in api.py)."""
    release, edition = results.release, results.edition
    return {
        "format": FORMAT,
        "edition": {"name": edition.name, "slug": edition.slug},
        "stage": results.stage.value,
        "status": results.framing.status,
        "computed_at": release.computed_at.isoformat() if release else None,
        "published_at": edition.published_at.isoformat() if edition.published_at else None,
        "voting_closes_at": edition.voting_closes_at.isoformat(),
        "ballots_counted": release.ballots_counted if release else 0,
        "categories": [category_document(c) for c in results.categories],
    }


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, quoted with a leading apostrophe.

    Only text is escaped: numbers (a negative count, say) are written as numbers. The JSON
    documents keep every name exactly as stored.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


CSV_HEADER = ("category", "method", "position", "tied", "nominee", "count", "share", "share_of", "ballots")


def as_csv_rows(results: EditionResults) -> list[tuple[object, ...]]:
    """One row per nominee; `share` is a percentage of `share_of` (see the JSON's `share_basis`)."""
    return [
        (
            c.category.slug,
            c.method,
            r.position,
            "yes" if r.tied else "no",
            r.label,
            r.count,
            r.share,
            c.share_denominator(r.nominee_id),
            c.ballots,
        )
        for c in results.categories
        for r in c.rows
    ]


def write_csv(out: Any, results: EditionResults) -> None:
    """The CSV download and `export_results --format csv`: a header, then one row per nominee."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows([csv_cell(cell) for cell in row] for row in as_csv_rows(results))


def download_response(found: EditionResults, fmt: str, filename: str) -> HttpResponse:
    """The results as a file download ("csv" or "json"), for the pages and the API alike."""
    if fmt == "json":
        response: HttpResponse = JsonResponse(as_document(found), json_dumps_params={"indent": 2})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        write_csv(response, found)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
