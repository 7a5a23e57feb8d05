"""The category admin's results side: a changed or removed category hides the edition's cached copies.

Registered in place of `awards.admin.CategoryAdmin` by `voting/admin.py`, so that `awards`
never imports `voting`. A category's slug is part of its results URLs and its title and
method are part of every results page, so any change makes the edition's copies unreachable,
after the change commits (never before: a render could still read the old rows).
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from awards.admin import CategoryAdmin
from awards.models import Category
from voting.results.cache import forget_visibility


def _forget_after_commit(edition_slugs: set[str]) -> None:
    for slug in edition_slugs:
        transaction.on_commit(partial(forget_visibility, slug))


class CategoryResultsAdmin(CategoryAdmin):
    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _forget_after_commit({obj.edition.slug})

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        slug = obj.edition.slug
        super().delete_model(request, obj)
        _forget_after_commit({slug})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        slugs = set(queryset.values_list("edition__slug", flat=True))
        super().delete_queryset(request, queryset)
        _forget_after_commit(slugs)
