from django.contrib.admin.apps import AdminConfig


class PodiumAdminConfig(AdminConfig):
    """The admin, with Podium's site (config/admin.py) as `admin.site`."""

    default_site = "config.admin.PodiumAdminSite"
