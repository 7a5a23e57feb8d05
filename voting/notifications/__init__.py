"""Announcements to members: what is sent, to whom, in batches; and the opt-out page.

`announcements` plans and sends (Celery runs it through `voting.tasks`, after commit);
`views` serves the signed opt-out link. Nothing here runs in the request that casts a ballot.
"""
