from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Awards"

    def ready(self) -> None:
        from awards import curation  # noqa: PLC0415 - models are importable only once apps are ready

        curation.connect()
