"""How many examples the property tests and fuzzers try.

`make test` runs a quick pass, a third of the examples, so the default tier stays under a
minute on a 2-core machine; CI exports PODIUM_FUZZ=thorough and runs every example. Both
passes draw from the same strategies, so a quick pass is a sample of the thorough one.
"""

import os

THOROUGH = os.environ.get("PODIUM_FUZZ", "").strip().lower() == "thorough"


def examples(thorough: int) -> int:
    """`thorough` examples under PODIUM_FUZZ=thorough, a third of them (at least 10) otherwise."""
    return thorough if THOROUGH else max(10, thorough // 3)
