"""axe-core (vendored from npm, see vendor/axe-core/README.md) run inside a page by Playwright."""

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page: Any, impacts: tuple[str, ...] = ("critical",)) -> list[dict[str, Any]]:
    """The page's axe violations of these impacts, each with its rule, help text and offending nodes.

    The script is evaluated through the DevTools protocol, so the site's CSP (no inline script)
    does not have to be loosened for the check.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]
