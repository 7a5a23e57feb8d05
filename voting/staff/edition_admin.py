"""The edition admin's running side: phase operations, publication, turnout.

Registered in place of `awards.admin.EditionAdmin` by `voting/admin.py`, so that `awards`
never imports `voting`: curation lives in awards, running an edition here.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.access import member_of
from awards.admin import EditionAdmin
from awards.models import FORM_DATE_FIELDS, Edition
from config.workers import worker_status
from voting.notifications.announcements import preview_messages
from voting.results.ballot_export import anonymised_ballots
from voting.results.cache import forget_visibility
from voting.results.exports import download_response
from voting.results.publication import OperationRefused, change_dates
from voting.results.selectors import edition_results
from voting.staff import operations
from voting.staff.forms import DuplicateEditionForm
from voting.staff.operations import NewDates, publication_preview
from voting.staff.turnout import edition_turnout

# Window changes that ask for confirmation: action name -> (question, message when done).
OPERATIONS = {
    "open_nominations_selected": ("Open nominations now", "Nominations for {name} are open."),
    "close_nominations_selected": ("Close nominations now", "Nominations for {name} are closed."),
    "open_voting_selected": ("Open voting now", "Voting in {name} is open."),
    "close_voting_selected": ("Close voting now", "Voting in {name} is closed."),
}


class EditionDatesForm(forms.ModelForm):  # type: ignore[type-arg]
    """The edition form, its changed dates checked by the rules `change_dates` applies under lock."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.instance.pk is not None:  # the instance still holds the stored dates here
            values = {f: cleaned[f] for f in FORM_DATE_FIELDS if f in self.changed_data and f in cleaned}
            for field, problem in self.instance.date_change_problems(values, timezone.now()).items():
                self.add_error(field, problem)
        return cleaned


class EditionOperationsAdmin(EditionAdmin):
    form = EditionDatesForm
    list_display = (*EditionAdmin.list_display, "turnout_link")  # type: ignore[assignment]
    actions = (
        "open_nominations_selected",
        "close_nominations_selected",
        "open_voting_selected",
        "close_voting_selected",
        "recompute_selected",
        "publish_selected",
        "unpublish_selected",
        "duplicate_selected",
    )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("awards.publish_results")

    def has_run_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("awards.run_edition")

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Edition], operation: Callable[..., object], done: str
    ) -> None:
        """Run an operation on each selected edition, reporting each outcome."""
        for edition in queryset:
            try:
                operation(edition=edition, by=member_of(request.user))
            except (OperationRefused, ValidationError) as refusal:
                self.message_user(request, "; ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
            else:
                self.message_user(request, done.format(name=edition.name), messages.SUCCESS)

    def _confirmed(
        self, request: HttpRequest, queryset: QuerySet[Edition], operation: Callable[..., object], action: str
    ) -> HttpResponse | None:
        """Ask "are you sure?" for a window change before applying it."""
        label, done = OPERATIONS[action]
        if "apply" in request.POST:
            self._apply(request, queryset, operation, done)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}?",
            "label": label,
            "opts": self.model._meta,
            "editions": list(queryset),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/awards/edition/confirm_operation.html", context)

    @admin.action(description="Publish results now…", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        """Say what publishing will do (ballots, categories, e-mails) and do it only once confirmed."""
        if "apply" in request.POST:
            self._apply(request, queryset, operations.publish_results, "Results of {name} published.")
            return None
        previews = [publication_preview(edition) for edition in queryset]
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish results now?",
            "opts": self.model._meta,
            "previews": previews,
            "can_publish": any(not preview.refusal for preview in previews),
            "action": "publish_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/awards/edition/confirm_publish.html", context)

    @admin.action(description="Copy as a new edition…", permissions=["add"])
    def duplicate_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        """Copy one edition (last year's) as a new draft: categories, methods, settings, nominees if asked."""
        if queryset.count() != 1:
            self.message_user(request, "Select one edition to copy.", messages.ERROR)
            return None
        source = queryset.get()
        applying = "apply" in request.POST
        form = DuplicateEditionForm(
            request.POST if applying else None, initial=DuplicateEditionForm.initial_for(source)
        )
        if applying and form.is_valid():
            data = form.cleaned_data
            dates = NewDates(
                **{
                    f: data[f]
                    for f in ("voting_opens_at", "voting_closes_at", "nominations_open_at", "nominations_close_at")
                }
            )
            try:
                copy = operations.duplicate_edition(
                    source=source,
                    name=data["name"],
                    slug=data["slug"],
                    dates=dates,
                    with_nominees=data["with_nominees"],
                    by=member_of(request.user),
                )
            except ValidationError as invalid:
                for field, problems in invalid.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.message_user(request, f"{copy.name} created as a draft copy of {source.name}.", messages.SUCCESS)
                return redirect(reverse("admin:awards_edition_change", args=[copy.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Copy {source.name} as a new edition",
            "opts": self.model._meta,
            "source": source,
            "form": form,
            "media": self.media + form.media,
            "action": "duplicate_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/awards/edition/duplicate.html", context)

    @admin.action(description="Unpublish results", permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
        self._apply(request, queryset, operations.unpublish_results, "Results of {name} are no longer published.")

    @admin.action(description="Recompute results now", permissions=["publish"])
    def recompute_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
        self._apply(request, queryset, operations.recompute_now, "Results of {name} recomputed.")

    @admin.action(description="Open nominations now…", permissions=["run"])
    def open_nominations_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        return self._confirmed(request, queryset, operations.open_nominations_now, "open_nominations_selected")

    @admin.action(description="Close nominations now…", permissions=["run"])
    def close_nominations_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        return self._confirmed(request, queryset, operations.close_nominations_now, "close_nominations_selected")

    @admin.action(description="Open voting now…", permissions=["run"])
    def open_voting_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        return self._confirmed(request, queryset, operations.open_voting_now, "open_voting_selected")

    @admin.action(description="Close voting now…", permissions=["run"])
    def close_voting_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> HttpResponse | None:
        return self._confirmed(request, queryset, operations.close_voting_now, "close_voting_selected")

    def get_urls(self) -> list[URLPattern]:
        turnout = self.admin_site.admin_view(self.turnout_view)
        emails = self.admin_site.admin_view(self.emails_view)
        results = self.admin_site.admin_view(self.export_results_view)
        ballots = self.admin_site.admin_view(self.export_ballots_view)
        return [
            path("<int:edition_id>/turnout/", turnout, name="awards_edition_turnout"),
            path("<int:edition_id>/emails/", emails, name="awards_edition_emails"),
            path("<int:edition_id>/export/results.<str:fmt>", results, name="awards_edition_export_results"),
            path("<int:edition_id>/export/ballots.json", ballots, name="awards_edition_export_ballots"),
            *super().get_urls(),
        ]

    def has_export_ballots_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.moderate_ballot")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "can_export_results": self.has_publish_permission(request),
            "can_export_ballots": self.has_export_ballots_permission(request),
        }
        return super().change_view(request, object_id, form_url, context)

    def emails_view(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        """Each announcement as members will read it, and how many it reaches; nothing is sent from here."""
        edition = get_object_or_404(Edition, pk=edition_id)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"E-mails to members: {edition.name}",
            "opts": self.model._meta,
            "edition": edition,
            "previews": preview_messages(edition, member_of(request.user)),
        }
        return TemplateResponse(request, "admin/awards/edition/emails.html", context)

    def export_results_view(self, request: HttpRequest, edition_id: int, fmt: str) -> HttpResponse:
        """The standings as the public download has them (a preview while they are not public yet)."""
        if not self.has_publish_permission(request) or fmt not in ("csv", "json"):
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=edition_id)
        preview = not edition.results_public_at(timezone.now())
        found = edition_results(edition, is_preview=preview)
        suffix = "-preview" if preview else ""
        return download_response(found, fmt, f"{edition.slug}-results{suffix}")

    def export_ballots_view(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        """The anonymised ballot export (no voter identity, receipt codes hashed), for moderators."""
        if not self.has_export_ballots_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=edition_id)
        response = JsonResponse(anonymised_ballots(edition), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{edition.slug}-ballots.json"'
        return response

    def turnout_view(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        edition = get_object_or_404(Edition, pk=edition_id)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Turnout: {edition.name}",
            "opts": self.model._meta,
            "edition": edition,
            "turnout": edition_turnout(edition),
            "worker_status": worker_status(),
        }
        return TemplateResponse(request, "admin/awards/edition/turnout.html", context)

    @admin.display(description="turnout")
    def turnout_link(self, edition: Edition) -> str:
        return format_html('<a href="{}">Turnout</a>', reverse("admin:awards_edition_turnout", args=[edition.pk]))

    def save_model(self, request: HttpRequest, obj: Edition, form: forms.ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        """Save the curated fields; changed dates go through `change_dates` (locked, re-checked, audited)."""
        previous = Edition.objects.filter(pk=obj.pk).values_list("slug", flat=True).first() if change else None
        dates = {f: getattr(obj, f) for f in FORM_DATE_FIELDS if change and f in form.changed_data}
        if not change:
            super().save_model(request, obj, form, change)
        else:
            rest = [f for f in form.changed_data if f not in dates]
            if rest:
                obj.save(update_fields=rest)
            if dates:
                change_dates(edition=obj, by=member_of(request.user), values=dates)
        # Visibility, windows, draft status or the slug may have changed: hide every copy, under both slugs.
        for slug in {obj.slug, previous or obj.slug}:
            transaction.on_commit(partial(forget_visibility, slug))
