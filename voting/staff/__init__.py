"""Staff tools: ballot review and moderation, fraud signals, edition operations, turnout.

- `moderation`: invalidate and restore ballots, audited in the same transaction.
- `fraud`: signals computed by the database for a whole listing; suspicious clusters.
- `operations`: open and close phases early, publish, unpublish, recompute; each audited.
- `turnout`: the per-edition dashboard's figures.
- `edition_admin`: the edition admin's operations side (registered by `voting/admin.py`).

The admin (`voting/admin.py`) is the only caller; it never changes a ballot's status itself.
"""
