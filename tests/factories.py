"""factory_boy factories for the domain models."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from publications.models import Author, Authorship, Topic, Work, WorkVersion
from publications.names import name_key, slug_for_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Users sign up with a verified e-mail (mandatory verification); pass
        ``verified_email=False`` for one who has not confirmed it yet."""
        if create and extracted is not False and self.email:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    display_name = factory.Sequence(lambda n: f"Test Author {n}")
    name_key = factory.LazyAttribute(lambda a: name_key(a.display_name))
    slug = factory.LazyAttribute(lambda a: slug_for_key(a.name_key))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = "astro-ph.GA"
    name = "Astrophysics of Galaxies"
    archive = "astro-ph"
    group = "Physics"


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work
        skip_postgeneration_save = True

    arxiv_id = factory.Sequence(lambda n: f"2401.{n:05d}")
    title = factory.Sequence(lambda n: f"Work number {n}")
    primary_topic = factory.SubFactory(TopicFactory)
    first_submitted = factory.Sequence(
        lambda n: dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    )
    latest_version_date = factory.SelfAttribute("first_submitted")

    @factory.post_generation
    def with_version(self, create, extracted, **kwargs):
        if create:
            WorkVersion.objects.create(work=self, number=1, created=self.first_submitted)


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorship

    work = factory.SubFactory(WorkFactory)
    author = factory.SubFactory(AuthorFactory)
    position = 1
    printed_name = factory.SelfAttribute("author.display_name")


# --- Follows, claims, invitations ----------------------------------------------------------------


class CuratorFactory(UserFactory):
    """Staff in the "curators" group."""

    username = factory.Sequence(lambda n: f"curator{n}")
    is_staff = True

    @factory.post_generation
    def curators_group(self, create, extracted, **kwargs):
        if create:
            from django.contrib.auth.models import Group

            group, _ = Group.objects.get_or_create(name="curators")
            self.groups.add(group)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "profiles.Claim"

    user = factory.SubFactory(UserFactory)
    author = factory.SubFactory(AuthorFactory)
    evidence = factory.LazyFunction(lambda: {"message": "These are my papers."})


def save_computed(author: Author) -> Author:
    """Store the computed values set on ``author`` (counters, score, flag) as graph, their one
    writer, would: Author.save() leaves them alone on an existing record."""
    from graph.models import AuthorStats

    AuthorStats.objects.filter(pk=author.pk).update(
        **{name: getattr(author, name) for name in Author.COMPUTED_FIELDS}
    )
    return author
