from django.urls import path

from bench import views
from config.urls import urlpatterns as podium_urlpatterns

urlpatterns = [
    path("bench/hello/", views.hello),
    path("bench/select/", views.select),
    path("bench/insert/", views.insert),
    path("bench/polls/<int:question_id>/vote/", views.vote),
    *podium_urlpatterns,
]
