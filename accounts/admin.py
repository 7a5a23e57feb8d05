from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, User


class PasswordChangeRevokingTokensForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """Staff setting a member's password revoke the member's API tokens, as the member's own change does."""

    def save(self, commit: bool = True) -> User:
        with transaction.atomic():
            user: User = super().save(commit=commit)
            if commit:
                services.revoke_all_api_tokens(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    change_password_form = PasswordChangeRevokingTokensForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created by members on their account page; staff can see and revoke them here."""

    list_display = ("name", "user", "hint", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "user__email", "hint")
    readonly_fields = ("user", "name", "hint", "created_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} token(s) revoked.")
