from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from awards.forms import NomineeCsvForm
from awards.models import Category, Edition, Nominee
from awards.services import ImportRejected, import_nominees_csv
from voting.results import forget_cached_results
from voting.services import publish_results, unpublish_results


class CategoryInline(admin.TabularInline[Category, Edition]):
    model = Category
    fields = ("title", "slug", "order", "method", "max_choices")
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
    readonly_fields = ("current_phase", "created_at")
    date_hierarchy = "voting_opens_at"
    inlines = (CategoryInline,)
    actions = ("publish_selected", "unpublish_selected")
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_public", "current_phase")}),
        (
            "Windows",
            {"fields": (("nominations_open_at", "nominations_close_at"), ("voting_opens_at", "voting_closes_at"))},
        ),
        ("Results", {"fields": ("results_visibility", "published_at")}),
        ("Who may vote", {"fields": ("min_account_age_days", "allowed_email_domains")}),
    )

    @admin.action(description="Publish results of the selected editions now")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
        for edition in queryset:
            try:
                done = publish_results(edition=edition)
            except ValueError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                continue
            note = "published" if done else "was already published"
            self.message_user(request, f"Results of {edition.name} {note}.", messages.SUCCESS)

    @admin.action(description="Unpublish results of the selected editions")
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
        for edition in queryset:
            unpublish_results(edition=edition)
            self.message_user(request, f"Results of {edition.name} are no longer published.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Edition, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_cached_results(obj.slug)  # visibility or windows may have changed

    @admin.display(description="phase")
    def current_phase(self, edition: Edition) -> str:
        if edition.pk is None:
            return "-"
        return str(edition.phase_at(timezone.now()).label)


HTTPS_URLS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class NomineeInline(admin.TabularInline[Nominee, Category]):
    model = Nominee
    formfield_overrides = HTTPS_URLS
    fields = ("name", "product_name", "ticker", "website", "order", "active")
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
