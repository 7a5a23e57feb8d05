"""Telling a member what staff decided about their nomination, by e-mail, after the review commits.

Queued in the review's transaction (`voting.tasks.request_nomination_outcome`) and sent by
Celery after it commits, retried by `outbox`; the member's opt-out from announcements is
respected at each attempt, and a suggestion that is pending again (its review undone) sends
nothing.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from awards.models import Nomination, NominationStatus
from voting.models import NotificationOptOut
from voting.notifications.announcements import opt_out_token

SUBJECTS = {
    NominationStatus.APPROVED: "Your suggestion “{name}” is a nominee",
    NominationStatus.REJECTED: "Your suggestion “{name}” was not taken up",
}


def send_nomination_outcome(nomination_id: int) -> bool:
    """E-mail the suggester the outcome of the review; False when there is nobody or nothing to tell."""
    nomination = (
        Nomination.objects.select_related("category__edition", "nominee", "suggested_by")
        .filter(pk=nomination_id)
        .first()
    )
    if nomination is None or nomination.status not in SUBJECTS:
        return False
    member = nomination.suggested_by
    if member is None or not member.is_active or NotificationOptOut.objects.filter(member=member).exists():
        return False
    opt_out_url = settings.SITE_URL + reverse("voting:opt_out", args=[opt_out_token(member)])
    context = {
        "nomination": nomination,
        "edition": nomination.category.edition,
        "approved": nomination.status == NominationStatus.APPROVED,
        "nominations_url": settings.SITE_URL + reverse("awards:my_nominations"),
        "opt_out_url": opt_out_url,
    }
    body = render_to_string("voting/email/nomination_outcome.txt", context)
    subject = SUBJECTS[NominationStatus(nomination.status)].format(name=nomination.name)
    message = EmailMessage(subject, body, to=[member.email])
    message.extra_headers["List-Unsubscribe"] = f"<{opt_out_url}>"
    message.send()
    return True
