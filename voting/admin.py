"""Ballot review for moderators: cheap listing, actions that ask for a reason, read-only audit."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import User
from voting.forms import ReasonForm
from voting.models import Ballot, BallotAudit
from voting.moderation import ModerationOutcome, invalidate_ballots, restore_ballots


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records nobody may add, change or delete through the admin: they can only be viewed."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def ask_reason_then(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    ids: list[int],
    *,
    action: str,
    title: str,
    apply: Callable[[str], ModerationOutcome],
) -> HttpResponse | None:
    """Show an intermediate page asking for a reason; on its submission call `apply(reason)`."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        outcome = apply(form.cleaned_data["reason"])
        level = messages.SUCCESS if outcome.changed else messages.WARNING
        skipped = f" {len(outcome.skipped)} already in that state were left alone." if outcome.skipped else ""
        modeladmin.message_user(request, f"{title}: {len(outcome.changed)} ballot(s) changed.{skipped}", level)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "form": form,
        "ids": ids,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/voting/ask_reason.html", context)


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - the admin only admits staff accounts
    return request.user


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ("id", "edition", "voter_label", "source", "status", "vote_count", "version", "updated_at")
    list_filter = ("status", "source", "edition")
    list_select_related = ("edition", "voter")
    search_fields = ("voter__email", "external_voter", "receipts__code")
    date_hierarchy = "updated_at"
    actions = ("invalidate_selected", "restore_selected")
    readonly_fields = ("status_changed_by",)
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ballot]:
        queryset: QuerySet[Ballot] = super().get_queryset(request)
        return queryset.annotate(vote_total=Count("votes"))

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.moderate_ballot")

    @admin.display(description="voter", ordering="voter__email")
    def voter_label(self, ballot: Ballot) -> str:
        return ballot.voter.email if ballot.voter else f"imported: {ballot.external_voter}"

    @admin.display(description="votes", ordering="vote_total")
    def vote_count(self, ballot: Ballot) -> int:
        return ballot.vote_total  # type: ignore[attr-defined,no-any-return]

    @admin.action(description="Invalidate selected ballots…", permissions=["moderate"])
    def invalidate_selected(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True))
        by = _staff(request)

        def apply(reason: str) -> ModerationOutcome:
            return invalidate_ballots(ballot_ids=ids, reason=reason, by=by)

        return ask_reason_then(
            self, request, ids, action="invalidate_selected", title="Invalidate ballots", apply=apply
        )

    @admin.action(description="Restore selected ballots…", permissions=["moderate"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True))
        by = _staff(request)

        def apply(reason: str) -> ModerationOutcome:
            return restore_ballots(ballot_ids=ids, reason=reason, by=by)

        return ask_reason_then(self, request, ids, action="restore_selected", title="Restore ballots", apply=apply)


@admin.register(BallotAudit)
class BallotAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "ballot", "edition", "actor_email", "reason")
    list_filter = ("action", "edition")
    list_select_related = ("edition", "ballot")
    search_fields = ("actor_email", "reason", "ballot__id")
    date_hierarchy = "at"
