import pytest
from django.contrib.auth.models import Group, Permission

from projet_social import roles


@pytest.mark.django_db
def test_groups_have_the_roles_permissions():
    agents = Group.objects.get(name=roles.AGENTS)
    elus = Group.objects.get(name=roles.ELUS)
    codes_agents = set(agents.permissions.values_list("codename", flat=True))
    assert {"change_action", "add_action", "change_evaluation", "change_partenaire"} <= codes_agents
    assert "delete_action" not in codes_agents
    assert "delete_indicateur" in codes_agents  # removing a row while editing a fiche
    assert set(elus.permissions.values_list("codename", flat=True)) == set(
        Permission.objects.filter(
            content_type__app_label__in=roles.APPS, codename__startswith="view_"
        ).values_list("codename", flat=True)
    )


@pytest.mark.django_db
def test_missing_groups_are_recreated_but_edited_ones_are_kept():
    agents = Group.objects.get(name=roles.AGENTS)
    agents.permissions.remove(Permission.objects.get(codename="add_campagne"))
    Group.objects.filter(name=roles.ELUS).delete()

    roles.creer_groupes_absents()

    assert Group.objects.get(name=roles.ELUS).permissions.filter(codename="view_action").exists()
    # An administrator's change to an existing group survives a later migrate.
    agents = Group.objects.get(name=roles.AGENTS)
    assert not agents.permissions.filter(codename="add_campagne").exists()
