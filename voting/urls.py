from django.urls import path

from voting import sharing, views

app_name = "voting"

urlpatterns = [
    path("editions/<slug:edition_slug>/ballot/", views.ballot, name="ballot"),
    path("editions/<slug:edition_slug>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("receipts/", views.receipt_check, name="receipt_check"),
    path("notifications/opt-out/<str:token>/", views.opt_out, name="opt_out"),
    path("editions/<slug:edition_slug>/results/", views.edition_results, name="results"),
    path("editions/<slug:edition_slug>/results.json", views.results_download, {"fmt": "json"}, name="results_json"),
    path("editions/<slug:edition_slug>/results.csv", views.results_download, {"fmt": "csv"}, name="results_csv"),
    path(
        "editions/<slug:edition_slug>/results/<slug:category_slug>/",
        views.category_results,
        name="category_results",
    ),
    path("embed/editions/<slug:edition_slug>/<slug:category_slug>/", sharing.embed_category, name="embed_category"),
    path("editions/<slug:edition_slug>/share.png", sharing.edition_share_image, name="edition_share_image"),
    path(
        "editions/<slug:edition_slug>/results/<slug:category_slug>/share.png",
        sharing.category_share_image,
        name="category_share_image",
    ),
]
