"""Sitemap entries for the public edition and category pages (drafts never appear)."""

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from awards.models import Category, Edition


class EditionSitemap(Sitemap[Edition]):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> QuerySet[Edition]:
        return Edition.objects.public().order_by("-voting_opens_at", "pk")

    def lastmod(self, item: Edition) -> datetime:
        return item.created_at


class CategorySitemap(Sitemap[Category]):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> QuerySet[Category]:
        return Category.objects.filter(edition__is_public=True).select_related("edition")
