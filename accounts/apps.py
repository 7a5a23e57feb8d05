from django.apps import AppConfig

from accounts import ratelimit


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        ratelimit.install()
