from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from awards.sitemaps import CategorySitemap, EditionSitemap
from config.api import api_not_found, api_urls
from voting.results.sitemaps import CategoryResultsSitemap, ResultsSitemap, WinnersSitemap

SITEMAPS = {
    "editions": EditionSitemap,
    "categories": CategorySitemap,
    "results": ResultsSitemap,
    "category-results": CategoryResultsSitemap,
    "winners": WinnersSitemap,
}

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api_urls()),
    path("api/v1/<path:rest>", api_not_found),
    path("", include("voting.urls")),
    path("", include("awards.urls")),
]

if settings.DEBUG:  # uploaded nominee images in development; production serves MEDIA_URL elsewhere
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
