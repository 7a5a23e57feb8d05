"""Authentication backend: the member and whether they have a verified address, in one read.

Every member-only page asks "has this member verified an address?" (allauth's decorator,
the ballot's eligibility rule, nominations). Loading the session's user with that answer
annotated saves one query per check; it is read with the user on every request, so it is
never stale across requests (a newly verified address counts on the next request).
"""

from allauth.account.models import EmailAddress
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from accounts.models import User


class MemberBackend(ModelBackend):
    """Django's ModelBackend, whose session user carries `has_verified_email`."""

    def get_user(self, user_id: int) -> User | None:
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        user = User._default_manager.annotate(has_verified_email=Exists(verified)).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
