"""Counting and publishing: recompute, standings, their visibility, pages, downloads, sharing.

- `recompute`: builds a new release from the counted ballots with the pure `voting.tally`
  engines and switches the current pointer atomically.
- `selectors`: the current standings and the one results visibility rule (`results_access`).
- `writeup`: the sentences and method notes a results page reads.
- `exports`, `ballot_export`: the JSON and CSV documents; the anonymised ballot export.
- `cache`: the visitors' page cache (no query on a hit).
- `publication`: an edition's dates and publication, changed only locked and audited (the
  admin's operations, the edition form and the scheduled publication all go through it).
- `views`, `api`, `sharing`, `share_image`, `trend`, `sitemaps`: what visitors and integrators read.

Nothing here imports the ballot views or forms (an import-linter contract).
"""
