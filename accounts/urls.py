from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("confirm-email-again/", views.resend_confirmation_email, name="resend_confirmation"),
]
