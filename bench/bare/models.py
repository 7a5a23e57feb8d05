"""The bare app's tables: the tutorial's poll (Question, Choice) and a bare insert target."""

from django.db import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)


class Hit(models.Model):
    at = models.DateTimeField(auto_now_add=True)
