"""Account writes that Podium itself performs (not through allauth's forms)."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.addresses import normalize_email
from accounts.models import ApiToken, User, hash_api_token


def ensure_verified_user(*, email: str, password: str | None, is_staff: bool = False) -> User:
    """Create or update a user whose e-mail address is verified and primary.

    Used by the demo loader; `password=None` leaves the account without a usable password.
    """
    email = normalize_email(email)
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


MAX_ACTIVE_API_TOKENS = 10


class TooManyTokens(Exception):
    """The member already has the maximum number of active tokens."""


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a personal API token; return it with the raw key, which is never stored or shown again.

    Locks the member's row so two simultaneous requests cannot pass the token limit together.
    """
    key = ApiToken.new_key()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_API_TOKENS:
            raise TooManyTokens(f"You can have at most {MAX_ACTIVE_API_TOKENS} active tokens; revoke one first.")
        token = ApiToken.objects.create(user=user, name=name, key_hash=hash_api_token(key), hint=key[:8])
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> bool:
    """Revoke one of the member's own tokens at once. False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def revoke_all_api_tokens(*, user: User) -> int:
    """Revoke every active token of the member (after a password change or reset); how many were active."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def change_password(*, user: User, password: str) -> None:
    """Set a new password and revoke the member's API tokens in the same transaction.

    A password change is how a member locks out whoever had their account, so nothing that
    account handed out (a token on someone else's machine) may outlive it.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save()
        revoke_all_api_tokens(user=user)


def user_for_api_token(raw: str) -> User | None:
    """The active member a presented token belongs to, or None (unknown, revoked, or inactive member)."""
    if not raw.startswith("pdm_") or len(raw) > 100:
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_api_token(raw)).first()
    return token.user if token else None
