from django.urls import path

from voting import views

app_name = "voting"

urlpatterns = [
    path("editions/<slug:edition_slug>/ballot/", views.ballot, name="ballot"),
    path("editions/<slug:edition_slug>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("receipts/", views.receipt_check, name="receipt_check"),
]
