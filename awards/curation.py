"""The curation version: one counter per edition that every write to what it shows moves.

Anything derived from an edition's curated content (its ballot rules, its public pages) may be
cached under `(edition.pk, edition.curation_version)` and needs no invalidation of its own: a
save or delete of the edition, one of its categories or nominees moves the counter in the same
transaction as the write, so a reader that sees the new rows also sees the new version, and a
rolled-back write moves nothing. The counter lives in the database, not the cache, so a cache
that missed a message can never serve a copy under a version it should have left behind.

Signals cover every ORM save and delete (admin forms and inlines, services, commands, and any
added later); the bulk paths that skip signals call `bump_curation` themselves. This is cache
keying, not a business flow: a write that forgot an explicit call would serve stale rules, so
the one place that cannot be forgotten is the model's own save.
"""

from typing import Any

from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

from awards.models import Category, Edition, Nominee
from config.page_cache import forget_curated_pages_after_commit


def bump_curation(edition_id: int) -> None:
    """Move the edition's curation version (inside the caller's transaction), and after the
    commit the page cache's curation generation (its copies are read without the database)."""
    Edition.objects.filter(pk=edition_id).update(curation_version=F("curation_version") + 1)
    forget_curated_pages_after_commit()


def _edition_id_of(instance: Model) -> int | None:
    if isinstance(instance, Edition):
        return instance.pk
    if isinstance(instance, Category):
        return instance.edition_id
    if isinstance(instance, Nominee):
        return Category.objects.filter(pk=instance.category_id).values_list("edition_id", flat=True).first()
    return None


def _curated_write(instance: Model, **kwargs: Any) -> None:  # sender comes in kwargs
    if kwargs.get("raw"):  # fixtures load rows as they are
        return
    edition_id = _edition_id_of(instance)
    if edition_id is not None:
        bump_curation(edition_id)


def connect() -> None:
    for model in (Edition, Category, Nominee):
        post_save.connect(_curated_write, sender=model, dispatch_uid=f"curation-save-{model.__name__}")
        post_delete.connect(_curated_write, sender=model, dispatch_uid=f"curation-delete-{model.__name__}")
