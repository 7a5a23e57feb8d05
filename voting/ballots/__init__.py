"""Casting ballots: what a valid ballot is, storing it, reading it back, receipts.

- `rules`: the one definition of a valid ballot (voting window, eligibility, each category's
  check); the form, the API, `submit_ballot` and `import_ballots` all ask it.
- `services`: `submit_ballot` and `store_imported_ballots`, the only code that writes ballots.
- `selectors`: a member's ballot page, choice summaries, receipt checks.
- `forms`, `views`, `api`: the web ballot (choose, review, done), receipt checks, the JSON API.
- `imports`: `import_ballots` reads a survey's CSV and stores it through the services.
- `fingerprints`: the address block and content digest stored with each ballot.
- `demo`: the demo editions' ballots.
"""
