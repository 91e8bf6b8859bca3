"""The users of the tests: UserFactory, in no group, and one factory per role, each user in the
group the migrations create for it."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from projet_social import roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    password = factory.django.Password("mot-de-passe-de-test")

    @factory.post_generation
    def groupe(self, create, extracted, **kwargs):
        """``UserFactory(groupe=roles.AGENTS)`` puts the user in that group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class AgentFactory(UserFactory):
    groupe = factory.PostGeneration(
        lambda user, create, extracted, **kw: (
            create and user.groups.add(Group.objects.get(name=roles.AGENTS))
        )
    )


class EluFactory(UserFactory):
    groupe = factory.PostGeneration(
        lambda user, create, extracted, **kw: (
            create and user.groups.add(Group.objects.get(name=roles.ELUS))
        )
    )


class AdministrateurFactory(UserFactory):
    is_staff = True
    is_superuser = True
    groupe = factory.PostGeneration(
        lambda user, create, extracted, **kw: (
            create and user.groups.add(Group.objects.get(name=roles.ADMINISTRATEURS))
        )
    )
