from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

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
from awards.services import ImportRejected, import_nominees_csv


class CategoryInline(admin.TabularInline[Category, Edition]):
    model = Category
    fields = ("title", "slug", "order", "method", "max_choices", "ballot_order")
    prepopulated_fields = {"slug": ("title",)}
    extra = 0
    show_change_link = True


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin[Edition]):
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
    )

    @admin.display(description="phase")
    def current_phase(self, edition: Edition) -> str:
        if edition.pk is None:
            return "-"
        return str(edition.phase_at(timezone.now()).label)


HTTPS_URLS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class NomineeInline(admin.TabularInline[Nominee, Category]):
    model = Nominee
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
        return [
            path("<int:category_id>/import-nominees/", import_view, name="awards_category_import_nominees"),
            *super().get_urls(),
        ]

    def import_nominees_view(self, request: HttpRequest, category_id: int) -> HttpResponse:
        category = get_object_or_404(Category.objects.select_related("edition"), pk=category_id)
        if not self.has_change_permission(request, category):
            return HttpResponse(status=403)
        form = NomineeCsvForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                created = import_nominees_csv(category=category, text=form.cleaned_data["file"])
            except ImportRejected as rejected:
                problems = rejected.problems
                messages.error(request, f"Nothing was imported: {len(problems)} problem(s) in the file.")
            else:
                messages.success(request, f"Imported {len(created)} nominee(s) into “{category.title}”.")
                return redirect(reverse("admin:awards_category_change", args=[category.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import nominees into “{category.title}”",
            "opts": self.model._meta,
            "category": category,
            "form": form,
            "problems": problems,
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

    list_display = ("name", "category", "edition", "supporter_count", "status", "outcome", "created_at")
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

    def _each(self, request: HttpRequest, queryset: QuerySet[Nomination], review: Callable[[Nomination], str]) -> None:
        for nomination in queryset.select_related("category"):
            try:
                self.message_user(request, review(nomination), messages.SUCCESS)
            except NominationRefused as refused:
                self.message_user(request, refused.message, messages.ERROR)

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
            "note": "The members who suggested these will see the outcome on their nominations page.",
        }
        return TemplateResponse(request, template, context)
