from django.urls import path

from bench.bare import views

urlpatterns = [
    path("hello/", views.hello),
    path("insert/", views.insert),
    path("polls/<int:question_id>/vote/", views.vote),
]
