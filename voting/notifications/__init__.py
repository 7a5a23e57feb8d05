"""E-mail to members: what is sent, to whom, in batches; how it is retried; the opt-out page.

`announcements`, `ballot_notices` and `outcomes` write and send each kind; `outbox` sends and
retries every one from its stored `OutgoingMail` row (Celery runs it through `voting.tasks`,
after commit); `views` serves the signed opt-out link. Nothing here sends in the request that
casts a ballot.
"""
