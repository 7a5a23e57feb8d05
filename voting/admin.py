"""Ballot review for moderators: cheap listing, actions that ask for a reason, read-only audit."""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from accounts.access import member_of
from awards.models import Category, Edition, Nomination
from voting.models import Ballot, BallotAudit, EditionAudit, OutgoingMail, Vote
from voting.notifications import outbox
from voting.staff.category_admin import CategoryResultsAdmin
from voting.staff.edition_admin import EditionOperationsAdmin
from voting.staff.forms import ClusterReviewForm, ModerationForm
from voting.staff.fraud import suspicious_clusters, with_disposable_flag, with_signals
from voting.staff.moderation import ModerationOutcome, invalidate_ballots, restore_ballots
from voting.staff.nomination_admin import NominationReviewAdmin
from voting.staff.review import choices_in_words, cluster_ballots, voter_label


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
    apply: Callable[[str, str], ModerationOutcome],
    restoring: bool = False,
) -> HttpResponse | None:
    """Show an intermediate page asking for the internal note and the reason the voter reads.

    On its valid submission call `apply(reason, public_reason)`; until then nothing changes.
    """
    form = ModerationForm(request.POST if "apply" in request.POST else None, restoring=restoring)
    if form.is_bound and form.is_valid():
        outcome = apply(form.cleaned_data["reason"], form.cleaned_data["public_reason"])
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


class SignalFilter(admin.SimpleListFilter):
    title = "fraud signal"
    parameter_name = "signal"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [
            ("new_account", "Account younger than a day"),
            ("disposable", "Disposable e-mail domain"),
            ("same_block", "Shared address block and agent"),
            ("burst", "Identical ballots in a burst"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> QuerySet[Ballot]:
        minimum = settings.PODIUM_CLUSTER_MIN_BALLOTS
        filters = {
            "new_account": Q(account_age__lt=timedelta(days=1)),
            "disposable": Q(disposable=True),
            "same_block": Q(same_block__gte=minimum),
            "burst": Q(burst_twins__gte=minimum),
        }
        chosen = filters.get(self.value() or "")
        return queryset.filter(chosen) if chosen is not None else queryset


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "edition",
        "voter_label",
        "status",
        "vote_count",
        "updated_at",
        "account_age_label",
        "domain_label",
        "same_block",
        "burst_twins",
    )
    list_filter = ("status", "source", SignalFilter, "edition")
    list_select_related = ("edition", "voter")
    search_fields = ("voter__email", "external_voter", "receipts__code")
    date_hierarchy = "updated_at"
    actions = ("invalidate_selected", "restore_selected")
    list_per_page = 100
    change_list_template = "admin/voting/ballot/change_list.html"
    # Address data only feeds the signals (staff judge by block); the choices are shown in
    # words, never as the digest, which only groups identical ballots.
    fields = (
        "edition",
        "voter",
        "source",
        "external_voter",
        "version",
        "submitted_at",
        "updated_at",
        "status",
        "status_reason",
        "status_public_reason",
        "status_changed_at",
        "status_changed_by",
        "client_network",
        "user_agent",
        "choices",
    )
    readonly_fields = ("choices",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ballot]:
        queryset: QuerySet[Ballot] = super().get_queryset(request)
        votes = Vote.objects.filter(ballot=OuterRef("pk")).order_by().values("ballot").annotate(n=Count("pk"))
        annotated = with_signals(queryset).annotate(vote_total=Subquery(votes.values("n")))
        return with_disposable_flag(annotated)

    def get_urls(self) -> list[URLPattern]:
        clusters = self.admin_site.admin_view(self.clusters_view)
        review = self.admin_site.admin_view(self.cluster_review_view)
        return [
            path("clusters/", clusters, name="voting_ballot_clusters"),
            path("clusters/review/", review, name="voting_ballot_cluster_review"),
            *super().get_urls(),
        ]

    def clusters_view(self, request: HttpRequest) -> HttpResponse:
        """Suspicious clusters of one edition, each linking to its ballots for review."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        editions = Edition.objects.order_by("-voting_opens_at")
        edition = editions.filter(pk=request.GET.get("edition") or 0).first() or editions.first()
        context = {
            **self.admin_site.each_context(request),
            "title": "Suspicious clusters",
            "opts": self.model._meta,
            "editions": editions,
            "edition": edition,
            "clusters": suspicious_clusters(edition) if edition else [],
            "minimum": settings.PODIUM_CLUSTER_MIN_BALLOTS,
        }
        return TemplateResponse(request, "admin/voting/ballot/clusters.html", context)

    def cluster_review_view(self, request: HttpRequest) -> HttpResponse:
        """One cluster's ballots in words, a checkbox each: only the ticked ones are invalidated."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        edition = get_object_or_404(Edition, pk=source.get("edition") or 0)
        kind, key = source.get("kind", ""), source.get("key", "")
        ballots = cluster_ballots(edition, kind, key)
        form = ClusterReviewForm([b.pk for b in ballots if b.counted], request.POST or None)
        if request.method == "POST":
            if not self.has_moderate_permission(request):
                raise PermissionDenied
            if form.is_valid():
                outcome = invalidate_ballots(
                    ballot_ids=form.cleaned_data["ballots"],
                    reason=form.cleaned_data["reason"],
                    public_reason=form.cleaned_data["public_reason"],
                    by=member_of(request.user),
                )
                kept = len(form.counted_ids) - len(outcome.changed)
                self.message_user(
                    request,
                    f"Invalidated {len(outcome.changed)} ballot(s) of the cluster; kept {kept}.",
                    messages.SUCCESS,
                )
                return redirect(f"{reverse('admin:voting_ballot_clusters')}?edition={edition.pk}")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Cluster review: {edition.name}",
            "opts": self.model._meta,
            "edition": edition,
            "kind": kind,
            "key": key,
            "ballots": ballots,
            "form": form,
            "ticked": form.ticked(),
            "can_moderate": self.has_moderate_permission(request),
        }
        return TemplateResponse(request, "admin/voting/ballot/cluster_review.html", context)

    @admin.display(description="choices")
    def choices(self, ballot: Ballot) -> str:
        words = choices_in_words([ballot.pk]).get(ballot.pk, [])
        return (
            format_html_join("", "<p><strong>{}</strong>: {}</p>", ((c.category, ", ".join(c.nominees)) for c in words))
            or "(no choices)"
        )

    @admin.display(description="account age", ordering="account_age")
    def account_age_label(self, ballot: Ballot) -> str:
        age: timedelta | None = getattr(ballot, "account_age", None)
        if age is None:
            return "-"
        return f"{age.days} d" if age.days else f"{int(age.total_seconds() // 3600)} h"

    @admin.display(description="e-mail domain", ordering="email_domain")
    def domain_label(self, ballot: Ballot) -> str:
        domain = getattr(ballot, "email_domain", None) or "-"
        return f"{domain} (disposable)" if getattr(ballot, "disposable", False) else domain

    @admin.display(description="same block & agent", ordering="same_block")
    def same_block(self, ballot: Ballot) -> int:
        return int(getattr(ballot, "same_block", 0))

    @admin.display(description="identical in burst", ordering="burst_twins")
    def burst_twins(self, ballot: Ballot) -> int:
        return int(getattr(ballot, "burst_twins", 0))

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.moderate_ballot")

    @admin.display(description="voter", ordering="voter__email")
    def voter_label(self, ballot: Ballot) -> str:
        return voter_label(ballot)

    @admin.display(description="votes", ordering="vote_total")
    def vote_count(self, ballot: Ballot) -> int:
        return ballot.vote_total  # type: ignore[attr-defined,no-any-return]

    @admin.action(description="Invalidate selected ballots…", permissions=["moderate"])
    def invalidate_selected(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True))
        by = member_of(request.user)

        def apply(reason: str, public_reason: str) -> ModerationOutcome:
            return invalidate_ballots(ballot_ids=ids, reason=reason, public_reason=public_reason, by=by)

        return ask_reason_then(
            self, request, ids, action="invalidate_selected", title="Invalidate ballots", apply=apply
        )

    @admin.action(description="Restore selected ballots…", permissions=["moderate"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Ballot]) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True))
        by = member_of(request.user)

        def apply(reason: str, public_reason: str) -> ModerationOutcome:
            return restore_ballots(ballot_ids=ids, reason=reason, public_reason=public_reason, by=by)

        return ask_reason_then(
            self, request, ids, action="restore_selected", title="Restore ballots", apply=apply, restoring=True
        )


@admin.register(BallotAudit)
class BallotAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "ballot", "edition", "actor_email", "reason")
    list_filter = ("action", "edition")
    list_select_related = ("edition", "ballot")
    search_fields = ("actor_email", "reason", "ballot__id")
    date_hierarchy = "at"


@admin.register(EditionAudit)
class EditionAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "edition", "actor_email")
    list_filter = ("action", "edition")
    list_select_related = ("edition",)
    search_fields = ("actor_email", "edition__name")
    date_hierarchy = "at"


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """Every e-mail (or batch) and where it stands: "Failed: given up" is what needs a look."""

    list_display = (
        "created_at",
        "kind",
        "edition",
        "recipients",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "kind", "edition")
    list_select_related = ("edition",)
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = ("send_again_selected",)

    @admin.display(description="e-mails")
    def recipients(self, mail: OutgoingMail) -> int:
        return len(mail.object_ids)

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.change_outgoingmail")

    @admin.action(description="Send the selected failed e-mails again", permissions=["send_again"])
    def send_again_selected(self, request: HttpRequest, queryset: QuerySet[OutgoingMail]) -> None:
        count = outbox.send_again(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed e-mail(s) will be sent again within a minute.", messages.SUCCESS)


# Running an edition (phases, publication, turnout) is voting's side of the edition admin;
# telling members the outcome of a review is voting's side of the nomination admin.
admin.site.unregister(Edition)
admin.site.register(Edition, EditionOperationsAdmin)
admin.site.unregister(Category)
admin.site.register(Category, CategoryResultsAdmin)
admin.site.unregister(Nomination)
admin.site.register(Nomination, NominationReviewAdmin)
