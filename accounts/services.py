"""Account writes that Podium itself performs (not through allauth's forms)."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import User


def ensure_verified_user(*, email: str, password: str | None, is_staff: bool = False) -> User:
    """Create or update a user whose e-mail address is verified and primary.

    Used by the demo loader; `password=None` leaves the account without a usable password.
    """
    with transaction.atomic():
        user, _ = User.objects.get_or_create(email=email)
        user.is_staff = user.is_superuser = is_staff
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user
