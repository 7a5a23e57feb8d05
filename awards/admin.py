from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from accounts.access import member_of
from awards.forms import NomineeCsvForm, ReasonForm
from awards.models import Category, Edition, Nomination, NominationStatus, Nominee
from awards.nominations import (
    NominationRefused,
    approve_nomination,
    merge_nomination,
    reject_nomination,
    undo_review,
)
from awards.services import (
    NOMINEE_CSV_TEMPLATE,
    ImportProblem,
    ImportRejected,
    import_nominees_csv,
    plan_nominees_csv,
)


def give_accessible_name(widget: forms.Widget, label: str) -> None:
    """Name inputs the admin renders without a <label>: the date and time halves of a split
    date-time (their field label is a legend), and every cell of a tabular inline (only a
    column header names them). Screen readers read the name; axe's "label" rule asks for it."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.SplitDateTimeWidget):
        widget.widgets[0].attrs["aria-label"] = f"{label}: date"
        widget.widgets[1].attrs["aria-label"] = f"{label}: time"
    elif not isinstance(widget, forms.HiddenInput):
        widget.attrs.setdefault("aria-label", label)


class NamedSplitDateTimes:
    """ModelAdmin mixin: split date-time inputs named "<field>: date" and "<field>: time"."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        formfield: forms.Field | None = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and isinstance(formfield.widget, forms.SplitDateTimeWidget):
            give_accessible_name(formfield.widget, str(formfield.label))
        return formfield


class NamedInlineCells(NamedSplitDateTimes):
    """Inline mixin: every cell's input named after its column, the delete box too."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            give_accessible_name(formfield.widget, str(formfield.label))
        return formfield


class NamedDeleteFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """An inline formset whose per-row delete checkbox has a name (it has no label of its own)."""

    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:  # type: ignore[type-arg]
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "Delete this row"


class CategoryInline(NamedInlineCells, admin.TabularInline[Category, Edition]):
    model = Category
    formset = NamedDeleteFormSet
    fields = ("title", "slug", "order", "method", "max_choices", "ballot_order")
    prepopulated_fields = {"slug": ("title",)}
    extra = 0
    show_change_link = True


@admin.register(Edition)
class EditionAdmin(NamedSplitDateTimes, admin.ModelAdmin[Edition]):
    list_display = (
        "name",
        "slug",
        "current_phase",
        "is_public",
        "voting_opens_at",
        "voting_closes_at",
        "results_visibility",
    )
    list_filter = ("is_public", "results_visibility")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("current_phase", "created_at", "published_at")
    date_hierarchy = "voting_opens_at"
    inlines = (CategoryInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_public", "current_phase")}),
        (
            "Windows",
            {"fields": (("nominations_open_at", "nominations_close_at"), ("voting_opens_at", "voting_closes_at"))},
        ),
        ("Results", {"fields": ("results_visibility", "publication_scheduled_at", "published_at", "winners_intro")}),
        ("Who may vote", {"fields": ("min_account_age_days", "allowed_email_domains")}),
        (
            "E-mails to members",
            {"fields": ("voting_opened_message", "closing_reminder_message", "results_message")},
        ),
    )

    @admin.display(description="phase")
    def current_phase(self, edition: Edition) -> str:
        if edition.pk is None:
            return "-"
        return str(edition.phase_at(timezone.now()).label)


HTTPS_URLS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class NomineeInline(NamedInlineCells, admin.TabularInline[Nominee, Category]):
    model = Nominee
    formset = NamedDeleteFormSet
    formfield_overrides = HTTPS_URLS
    fields = ("name", "product_name", "ticker", "website", "image", "order", "active")
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("title", "edition", "method", "max_choices", "nominee_count", "order")
    list_filter = ("edition", "method")
    list_select_related = ("edition",)
    search_fields = ("title", "slug", "edition__name")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (NomineeInline,)
    change_form_template = "admin/awards/category/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        queryset: QuerySet[Category] = super().get_queryset(request)
        return queryset.annotate(nominee_total=Count("nominees"))

    @admin.display(description="nominees", ordering="nominee_total")
    def nominee_count(self, category: Category) -> int:
        return category.nominee_total  # type: ignore[attr-defined,no-any-return]

    def get_urls(self) -> list[URLPattern]:
        import_view = self.admin_site.admin_view(self.import_nominees_view)
        template_view = self.admin_site.admin_view(self.nominee_template_view)
        return [
            path("<int:category_id>/import-nominees/", import_view, name="awards_category_import_nominees"),
            path("import-nominees/template.csv", template_view, name="awards_category_nominee_template"),
            *super().get_urls(),
        ]

    def nominee_template_view(self, request: HttpRequest) -> HttpResponse:
        """A CSV with the header and one example row, to fill in a spreadsheet."""
        response = HttpResponse(NOMINEE_CSV_TEMPLATE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="nominees-template.csv"'
        return response

    def import_nominees_view(self, request: HttpRequest, category_id: int) -> HttpResponse:
        """Upload, preview what will be created and updated, then confirm: only the confirmation writes."""
        category = get_object_or_404(Category.objects.select_related("edition"), pk=category_id)
        if not self.has_change_permission(request, category):
            return HttpResponse(status=403)
        form = NomineeCsvForm(request.POST or None, request.FILES or None)
        problems: list[ImportProblem] = []
        plan = None
        if request.method == "POST" and form.is_valid():
            try:
                if "confirm" in request.POST:
                    done = import_nominees_csv(category=category, text=form.csv_text)
                    created, updated = len(done.created), len(done.updated)
                    messages.success(
                        request, f"Imported into “{category.title}”: {created} created, {updated} updated."
                    )
                    return redirect(reverse("admin:awards_category_change", args=[category.pk]))
                plan = plan_nominees_csv(category=category, text=form.csv_text)
            except ImportRejected as rejected:
                problems = rejected.problems
                messages.error(request, f"Nothing was imported: {len(problems)} problem(s) in the file.")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import nominees into “{category.title}”",
            "opts": self.model._meta,
            "category": category,
            "form": form,
            "problems": problems,
            "plan": plan,
            "text": form.csv_text if plan else "",
        }
        return TemplateResponse(request, "admin/awards/category/import_nominees.html", context)


@admin.register(Nominee)
class NomineeAdmin(admin.ModelAdmin[Nominee]):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "category", "ticker", "order", "active")
    list_filter = ("active", "category__edition", "category")
    list_select_related = ("category",)
    search_fields = ("name", "product_name", "ticker")


class NomineeChoiceForm(forms.Form):
    nominee = forms.ModelChoiceField(queryset=Nominee.objects.none(), label="Merge into")

    def __init__(self, category: Category, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = category.nominees  # type: ignore[attr-defined]


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin[Nomination]):
    """Review of community suggestions: most-asked-for first; approve, merge, reject, undo."""

    list_display = (
        "name",
        "category",
        "edition",
        "why_given",
        "link_given",
        "supporter_count",
        "status",
        "outcome",
        "created_at",
    )
    list_filter = ("status", "category__edition", "category")
    list_select_related = ("category__edition", "nominee")
    search_fields = ("name", "product_name", "why")
    actions = ("approve_selected", "merge_selected", "reject_selected", "undo_selected")
    readonly_fields = (
        "category",
        "name",
        "product_name",
        "link",
        "why",
        "suggested_by",
        "created_at",
        "status",
        "nominee",
        "review_reason",
        "reviewed_by",
        "reviewed_at",
    )
    exclude = ("created_nominee",)
    change_form_template = "admin/awards/nomination/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Nomination]:
        # Not super(): it would order by the annotation before adding it.
        return Nomination.objects.annotate(supporters=Count("supports")).order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("-supporters", "-created_at")  # the most asked-for suggestions first

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # changes go through the review actions only

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("awards.review_nomination")

    @admin.display(description="why")
    def why_given(self, nomination: Nomination) -> str:
        return Truncator(nomination.why).chars(160)

    @admin.display(description="link")
    def link_given(self, nomination: Nomination) -> str:
        if not nomination.link:
            return "-"
        return format_html(
            '<a href="{}" rel="nofollow noopener" target="_blank">{}</a>', nomination.link, nomination.link
        )

    def reviewed(self, request: HttpRequest, nomination: Nomination) -> None:
        """Called inside the transaction of each review step that changed a suggestion.

        Curation stops here; the voting side's admin, which registers a subclass, tells the
        member the outcome by e-mail through its task machinery (awards never imports voting).
        """

    @admin.display(description="members", ordering="supporters")
    def supporter_count(self, nomination: Nomination) -> int:
        return nomination.supporters  # type: ignore[attr-defined,no-any-return]

    @admin.display(description="edition", ordering="category__edition")
    def edition(self, nomination: Nomination) -> Edition:
        return nomination.category.edition

    @admin.display(description="outcome")
    def outcome(self, nomination: Nomination) -> str:
        if nomination.status == NominationStatus.APPROVED and nomination.nominee:
            return f"{'created' if nomination.created_nominee else 'merged into'} {nomination.nominee.name}"
        return nomination.review_reason

    def _review(self, request: HttpRequest, nomination: Nomination, review: Callable[[Nomination], str]) -> None:
        """Apply one review step and its `reviewed` hook in one transaction, then say how it went."""
        try:
            with transaction.atomic():
                done = review(nomination)
                self.reviewed(request, nomination)
        except NominationRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)

    def _each(self, request: HttpRequest, queryset: QuerySet[Nomination], review: Callable[[Nomination], str]) -> None:
        for nomination in queryset.select_related("category"):
            self._review(request, nomination, review)

    @admin.action(description="Approve as new nominees", permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Nomination]) -> None:
        by = member_of(request.user)

        def review(nomination: Nomination) -> str:
            nominee = approve_nomination(nomination=nomination, by=by)
            return f"“{nominee.name}” is now a nominee in {nomination.category.title}."

        self._each(request, queryset, review)

    @admin.action(description="Reject…", permissions=["review"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Nomination]) -> HttpResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            by, reason = member_of(request.user), form.cleaned_data["reason"]

            def review(nomination: Nomination) -> str:
                reject_nomination(nomination=nomination, reason=reason, by=by)
                return f"“{nomination.name}” rejected."

            self._each(request, queryset, review)
            return None
        return self._intermediate(
            request, queryset, "reject_selected", "Reject suggestions", form, "admin/voting/ask_reason.html"
        )

    @admin.action(description="Merge into an existing nominee…", permissions=["review"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Nomination]) -> HttpResponse | None:
        categories = set(queryset.values_list("category", flat=True))
        if len(categories) != 1:
            self.message_user(request, "Select suggestions of one category to merge.", messages.ERROR)
            return None
        category = Category.objects.get(pk=categories.pop())
        form = NomineeChoiceForm(category, request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            by, into = member_of(request.user), form.cleaned_data["nominee"]

            def review(nomination: Nomination) -> str:
                merge_nomination(nomination=nomination, into=into, by=by)
                return f"“{nomination.name}” merged into {into.name}."

            self._each(request, queryset, review)
            return None
        return self._intermediate(
            request,
            queryset,
            "merge_selected",
            f"Merge into a nominee of {category.title}",
            form,
            "admin/voting/ask_reason.html",
        )

    @admin.action(description="Undo review (back to pending)", permissions=["review"])
    def undo_selected(self, request: HttpRequest, queryset: QuerySet[Nomination]) -> None:
        by = member_of(request.user)

        def review(nomination: Nomination) -> str:
            undo_review(nomination=nomination, by=by)
            return f"“{nomination.name}” is awaiting review again."

        self._each(request, queryset, review)

    def get_urls(self) -> list[URLPattern]:
        approve = self.admin_site.admin_view(self.approve_view)
        reject = self.admin_site.admin_view(self.reject_view)
        return [
            path("<int:nomination_id>/approve/", approve, name="awards_nomination_approve"),
            path("<int:nomination_id>/reject/", reject, name="awards_nomination_reject"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "has_review_permission": self.has_review_permission(request)}
        return super().change_view(request, object_id, form_url, context)

    def _reviewable(self, request: HttpRequest, nomination_id: int) -> Nomination:
        if not self.has_review_permission(request):
            raise PermissionDenied
        return get_object_or_404(Nomination.objects.select_related("category"), pk=nomination_id)

    def _back(self, nomination: Nomination) -> HttpResponse:
        return redirect(reverse("admin:awards_nomination_change", args=[nomination.pk]))

    @method_decorator(require_POST)
    def approve_view(self, request: HttpRequest, nomination_id: int) -> HttpResponse:
        """Approve from the suggestion's own page (a POST from its button)."""
        nomination = self._reviewable(request, nomination_id)
        by = member_of(request.user)

        def review(nomination: Nomination) -> str:
            nominee = approve_nomination(nomination=nomination, by=by)
            return f"“{nominee.name}” is now a nominee in {nomination.category.title}."

        self._review(request, nomination, review)
        return self._back(nomination)

    def reject_view(self, request: HttpRequest, nomination_id: int) -> HttpResponse:
        """Reject from the suggestion's own page: ask for the reason the member will read."""
        nomination = self._reviewable(request, nomination_id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            by, reason = member_of(request.user), form.cleaned_data["reason"]

            def review(nomination: Nomination) -> str:
                reject_nomination(nomination=nomination, reason=reason, by=by)
                return f"“{nomination.name}” rejected."

            self._review(request, nomination, review)
            return self._back(nomination)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reject “{nomination.name}”",
            "opts": self.model._meta,
            "form": form,
            "nomination": nomination,
        }
        return TemplateResponse(request, "admin/awards/nomination/reject.html", context)

    def _intermediate(
        self,
        request: HttpRequest,
        queryset: QuerySet[Nomination],
        action: str,
        title: str,
        form: forms.Form,
        template: str,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "ids": list(queryset.values_list("pk", flat=True)),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "note": "The members who suggested these will see the outcome on their nominations page "
            "and get it by e-mail (unless they opted out).",
        }
        return TemplateResponse(request, template, context)
