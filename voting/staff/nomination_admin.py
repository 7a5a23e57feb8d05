"""The nomination admin's voting side: the member hears the outcome of each review by e-mail.

Registered in place of `awards.admin.NominationAdmin` by `voting/admin.py`, like the edition
admin, so that `awards` never imports `voting`.
"""

from django.http import HttpRequest

from awards.admin import NominationAdmin
from awards.models import Nomination
from voting import tasks


class NominationReviewAdmin(NominationAdmin):
    def reviewed(self, request: HttpRequest, nomination: Nomination) -> None:  # noqa: ARG002 - the hook awards calls
        tasks.request_nomination_outcome(nomination)  # queued with the review, sent after commit; opt-outs respected
