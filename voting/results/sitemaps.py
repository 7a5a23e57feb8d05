"""Sitemap entries for results pages, listed only once the edition's results are public."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from awards.models import Category, Edition, Phase


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


class WinnersSitemap(Sitemap[Edition]):
    """The "All winners" article of each published edition (it exists only once published)."""

    changefreq = "daily"
    priority = 0.9

    def items(self) -> list[Edition]:
        now = timezone.now()
        editions = Edition.objects.public().filter(published_at__lte=now)
        return [e for e in editions.order_by("-voting_opens_at", "pk") if e.phase_at(now) == Phase.PUBLISHED]

    def location(self, item: Edition) -> str:
        return reverse("voting:winners", args=[item.slug])
