"""The élu référent of a fiche: a name typed on it, or the account of an élu, who then finds
the fiche in « Mes actions » beside the fiches they pilot."""

import pytest
import tablib
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from actions.historique import Historique
from actions.models import Action
from actions.resources import ActionResource
from projet_social import roles
from projet_social.utilisateurs import nom_affiche
from tests.actions.factories import ActionFactory
from tests.factories_utilisateurs import AgentFactory, EluFactory
from tests.formulaires import lire_formulaire

MES_ACTIONS = reverse("actions:mes_actions")
CHAMP = "Élu référent (compte)"


@pytest.fixture
def adjointe(db):
    return EluFactory(username="adjointe", first_name="Anne", last_name="Adjointe")


def _codes(response) -> list[str]:
    assert response.status_code == 200
    return [action.code for action in response.context["page"].object_list]


def _modifier(client, action: Action, **modifications):
    page = client.get(reverse("actions:modifier", args=[action.pk]))
    data = lire_formulaire(page)
    data.update(modifications)
    return client.post(reverse("actions:modifier", args=[action.pk]), data)


# --- « Mes actions » -----------------------------------------------------------------------


def test_an_elu_sees_exactly_the_fiches_they_follow(client, adjointe, objectif, pilote):
    suivies = [
        ActionFactory(objectif=objectif, numero=numero, elu_referent_compte=adjointe)
        for numero in (1, 3)
    ]
    ActionFactory(objectif=objectif, numero=2, pilote=pilote)
    # The name typed alone links nobody, even the élu's own name.
    ActionFactory(objectif=objectif, numero=4, elu_referent=nom_affiche(adjointe))
    ActionFactory(objectif=objectif, numero=5, elu_referent_compte=EluFactory())
    client.force_login(adjointe)

    response = client.get(MES_ACTIONS)

    attendus = sorted(action.code for action in suivies)
    assert _codes(response) == attendus == ["2.3.1", "2.3.3"]
    assertContains(response, "Mes actions")


def test_a_pilote_still_sees_their_fiches(client, objectif, adjointe):
    agent = AgentFactory()
    pilotee = ActionFactory(objectif=objectif, numero=1, pilote=agent)
    # Piloted and followed: listed once.
    ActionFactory(objectif=objectif, numero=2, pilote=agent, elu_referent_compte=adjointe)
    ActionFactory(objectif=objectif, numero=3, elu_referent_compte=adjointe)
    client.force_login(agent)

    assert _codes(client.get(MES_ACTIONS)) == [pilotee.code, "2.3.2"]


# --- The form ------------------------------------------------------------------------------


def test_the_form_offers_the_elus_and_saves_the_account(client, agent, action, adjointe):
    ancien = EluFactory(username="ancien-elu", is_active=False)
    client.force_login(agent)

    page = client.get(reverse("actions:modifier", args=[action.pk]))

    choix = page.context["form"].fields["elu_referent_compte"]
    assert list(choix.queryset) == [adjointe]  # not the agent, nor the inactive élu
    assert ancien not in choix.queryset
    assertContains(page, f'<option value="{adjointe.pk}">Anne Adjointe</option>', html=True)
    assertContains(page, "Élu référent : compte")
    assertContains(page, "ou nom de l&#x27;élu référent")

    response = _modifier(client, action, elu_referent_compte=str(adjointe.pk))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.elu_referent_compte == adjointe
    assert action.elu_referent == ""
    assert action.version == 2


def test_an_account_no_longer_elu_stays_selected_and_is_kept(client, agent, action, adjointe):
    action.elu_referent_compte = adjointe
    action.save()
    adjointe.groups.remove(Group.objects.get(name=roles.ELUS))
    client.force_login(agent)

    page = client.get(reverse("actions:modifier", args=[action.pk]))
    assert list(page.context["form"].fields["elu_referent_compte"].queryset) == [adjointe]
    assert _modifier(client, action, intitule="Visites à domicile").status_code == 302

    action.refresh_from_db()
    assert (action.intitule, action.elu_referent_compte) == ("Visites à domicile", adjointe)


def test_history_records_the_account(client, agent, action, adjointe):
    client.force_login(agent)
    assert _modifier(client, action, elu_referent_compte=str(adjointe.pk)).status_code == 302

    enregistrement = action.history.order_by("-history_id").first()
    assert enregistrement.elu_referent_compte_id == adjointe.pk
    derniere = [entree for entree in Historique(action).entrees() if entree.objet == "Fiche"][0]
    changements = {c.champ: (c.avant, c.apres) for c in derniere.changements}
    assert changements[CHAMP] == ("(vide)", "Anne Adjointe")


# --- The fiche page ------------------------------------------------------------------------


def _elu_affiche(client, action) -> str:
    response = client.get(reverse("actions:detail", args=[action.pk]))
    assert response.status_code == 200
    contenu = response.content.decode()
    debut = contenu.index("Élu référent</dt>")
    return contenu[debut : contenu.index("</dd>", debut)]


def test_the_fiche_shows_the_account_when_no_name_is_typed(client, elu, action, adjointe):
    client.force_login(elu)
    assert "Non renseigné" in _elu_affiche(client, action)

    action.elu_referent_compte = adjointe
    action.save()
    assert "Anne Adjointe" in _elu_affiche(client, action)

    action.elu_referent = "Adjointe aux solidarités"
    action.save()
    affiche = _elu_affiche(client, action)
    assert "Adjointe aux solidarités" in affiche
    assert "(compte : Anne Adjointe)" in affiche


def test_the_fiche_shows_the_name_typed_alone(client, elu, action):
    action.elu_referent = "Adjointe aux solidarités"
    action.save()
    client.force_login(elu)
    affiche = _elu_affiche(client, action)
    assert "Adjointe aux solidarités" in affiche
    assert "compte" not in affiche


# --- Export and import ---------------------------------------------------------------------


def test_export_writes_the_username_and_the_import_reads_it_back(action, adjointe, administrateur):
    action.elu_referent_compte = adjointe
    action.save()
    autre = ActionFactory(objectif=action.objectif, numero=2)

    dataset = tablib.Dataset().load(ActionResource().export().csv, format="csv")
    lignes = {ligne["Code"]: ligne for ligne in dataset.dict}
    assert lignes["2.3.1"][CHAMP] == "adjointe"
    assert lignes["2.3.2"][CHAMP] == ""

    # Re-importing unchanged changes nothing; a username typed in links the account.
    colonne = dataset.headers.index(CHAMP)
    rangee = list(dataset[1])
    rangee[colonne] = "adjointe"
    dataset[1] = rangee
    result = ActionResource().import_data(dataset, dry_run=False, user=administrateur)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    action.refresh_from_db()
    autre.refresh_from_db()
    assert action.elu_referent_compte == adjointe
    assert autre.elu_referent_compte == adjointe


def test_an_unknown_username_is_a_french_error(action):
    dataset = tablib.Dataset().load(ActionResource().export().csv, format="csv")
    rangee = list(dataset[0])
    rangee[dataset.headers.index(CHAMP)] = "inconnu"
    dataset[0] = rangee

    result = ActionResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert result.invalid_rows[0].error_dict[CHAMP] == ["Aucun compte utilisateur « inconnu »."]
    action.refresh_from_db()
    assert action.elu_referent_compte is None


# --- The admin -----------------------------------------------------------------------------


def test_admin_offers_the_elus_and_keeps_the_current_account(client, administrateur, action):
    adjointe = EluFactory(first_name="Anne", last_name="Adjointe")
    ancienne = EluFactory(first_name="Odile", last_name="Ancienne")
    action.elu_referent_compte = ancienne
    action.save()
    ancienne.groups.clear()
    client.force_login(administrateur)

    page = client.get(reverse("admin:actions_action_change", args=[action.pk]))

    choix = page.context["adminform"].form.fields["elu_referent_compte"]
    assert set(choix.queryset) == {adjointe, ancienne}
    assertContains(
        page, f'<option value="{ancienne.pk}" selected>Odile Ancienne</option>', html=True
    )
