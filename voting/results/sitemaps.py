"""Sitemap entries for results pages, listed only once the edition's results are public."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from awards.models import Category, Edition


class ResultsSitemap(Sitemap[Edition]):
    changefreq = "hourly"
    priority = 0.9

    def items(self) -> list[Edition]:
        now = timezone.now()
        return [e for e in Edition.objects.public().order_by("-voting_opens_at", "pk") if e.results_public_at(now)]

    def location(self, item: Edition) -> str:
        return reverse("voting:results", args=[item.slug])


class CategoryResultsSitemap(Sitemap[Category]):
    changefreq = "hourly"
    priority = 0.7

    def items(self) -> list[Category]:
        now = timezone.now()
        categories = Category.objects.filter(edition__is_public=True).select_related("edition")
        return [c for c in categories if c.edition.results_public_at(now)]

    def location(self, item: Category) -> str:
        return reverse("voting:category_results", args=[item.edition.slug, item.slug])
