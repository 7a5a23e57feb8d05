"""factory_boy factories shared by the test modules."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from awards.models import Category, Edition, Nominee, ResultsVisibility, VotingMethod

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Verified primary e-mail by default; pass verified=False for an unverified member."""
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=extracted is not False)
            self.save()


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class EditionFactory(factory.django.DjangoModelFactory):
    """An open, public edition: voting began a day ago and closes in a week."""

    class Meta:
        model = Edition

    name = factory.Sequence(lambda n: f"Test Awards {2000 + n}")
    slug = factory.Sequence(lambda n: f"test-awards-{2000 + n}")
    description = "A test edition."
    is_public = True
    results_visibility = ResultsVisibility.LIVE
    voting_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    voting_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    edition = factory.SubFactory(EditionFactory)
    title = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    method = VotingMethod.PLURALITY
    order = factory.Sequence(lambda n: n)


class NomineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nominee

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Nominee {n}")
    order = factory.Sequence(lambda n: n)
