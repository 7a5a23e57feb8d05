from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("", views.home, name="home"),
    path("editions/<slug:edition_slug>/", views.edition_detail, name="edition"),
    path("editions/<slug:edition_slug>/categories/<slug:category_slug>/", views.category_detail, name="category"),
    path("editions/<slug:edition_slug>/nominate/", views.nominate, name="nominate"),
    path("nominations/", views.my_nominations, name="my_nominations"),
    path("nominations/<int:nomination_id>/support/", views.support_nomination, name="support_nomination"),
]
