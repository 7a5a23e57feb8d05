"""Results as documents: the JSON and CSV downloads (pages, API, `export_results`)."""

import csv
from typing import Any

from django.http import HttpResponse, JsonResponse

from voting.results.selectors import EditionResults


def as_document(results: EditionResults) -> dict[str, Any]:
    """The JSON download and `export_results --format json`."""
    release = results.release
    return {
        "edition": {"name": results.edition.name, "slug": results.edition.slug},
        "computed_at": release.computed_at.isoformat() if release else None,
        "ballots_counted": release.ballots_counted if release else 0,
        "categories": [
            {
                "title": c.category.title,
                "slug": c.category.slug,
                "method": c.method,
                "ballots": c.ballots,
                "standings": [
                    {
                        "position": r.position,
                        "tied": r.tied,
                        "nominee": r.label,
                        "count": r.count,
                        "share": str(r.share),
                    }
                    for r in c.rows
                ],
                "detail": c.detail,
            }
            for c in results.categories
        ],
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


CSV_HEADER = ("category", "method", "position", "tied", "nominee", "count", "share", "ballots")


def as_csv_rows(results: EditionResults) -> list[tuple[object, ...]]:
    return [
        (
            c.category.slug,
            c.method,
            r.position,
            "yes" if r.tied else "no",
            r.label,
            r.count,
            f"{r.share:.1f}",
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
