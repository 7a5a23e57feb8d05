from django.urls import path

from voting.ballots import views as ballot_views
from voting.notifications import views as notification_views
from voting.results import sharing
from voting.results import views as results_views

app_name = "voting"

urlpatterns = [
    path("editions/<slug:edition_slug>/ballot/", ballot_views.ballot, name="ballot"),
    path("editions/<slug:edition_slug>/ballot/edit/", ballot_views.ballot_edit, name="ballot_edit"),
    path("editions/<slug:edition_slug>/ballot/submit/", ballot_views.ballot_submit, name="ballot_submit"),
    path("editions/<slug:edition_slug>/ballot/done/", ballot_views.ballot_done, name="ballot_done"),
    path("editions/<slug:edition_slug>/ballot/preview/", ballot_views.ballot_preview, name="ballot_preview"),
    path("receipts/", ballot_views.receipt_check, name="receipt_check"),
    path("accounts/ballots/", ballot_views.my_ballots, name="my_ballots"),
    path("notifications/opt-out/<str:token>/", notification_views.opt_out, name="opt_out"),
    path("editions/<slug:edition_slug>/results/", results_views.edition_results_page, name="results"),
    path("editions/<slug:edition_slug>/winners/", results_views.winners_page, name="winners"),
    path(
        "editions/<slug:edition_slug>/results.json",
        results_views.results_download,
        {"fmt": "json"},
        name="results_json",
    ),
    path(
        "editions/<slug:edition_slug>/results.csv", results_views.results_download, {"fmt": "csv"}, name="results_csv"
    ),
    path(
        "editions/<slug:edition_slug>/results/<slug:category_slug>/",
        results_views.category_results_page,
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
