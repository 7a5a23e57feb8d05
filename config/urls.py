from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config.api import api_not_found, api_urls

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Podium administration"
admin.site.site_title = "Podium admin"
admin.site.index_title = "Curate editions, review ballots, publish results"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api_urls()),
    path("api/v1/<path:rest>", api_not_found),
    path("", include("voting.urls")),
    path("", include("awards.urls")),
]
