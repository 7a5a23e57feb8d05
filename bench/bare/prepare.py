"""`python -m bench.bare.prepare`: create the bare app's tables and the tutorial's question and choices."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")
django.setup()

from django.core.management import call_command  # noqa: E402 - after django.setup()

from bench.bare.models import Choice, Question  # noqa: E402

call_command("migrate", "--run-syncdb", verbosity=0)
question, _ = Question.objects.get_or_create(pk=1, defaults={"question_text": "What's up?"})
for n in range(1, 4):
    Choice.objects.get_or_create(pk=n, defaults={"question": question, "choice_text": f"choice {n}"})
