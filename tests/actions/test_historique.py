"""The history of a fiche for its publics cibles and besoins sociaux: simple-history records
each change of these lists on its own, after the save of the fiche; the history page
(actions:historique, linked from the fiche) shows one entry per save, saying who changed which
items and when."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from pytest_django.asserts import assertContains

from actions.enums import StatutAction
from actions.historique import Historique
from actions.models import Action
from tests.actions.factories import PublicCibleFactory
from tests.axes.factories import BesoinSocialFactory
from tests.factories_utilisateurs import AgentFactory
from tests.formulaires import lire_formulaire

BESOINS = "Besoins sociaux (ABS) auxquels l'action répond"


@pytest.fixture
def agent(db):
    return AgentFactory(username="agent-historique", first_name="Annie", last_name="Agent")


@pytest.fixture
def agees(db):
    return PublicCibleFactory(libelle="Personnes âgées", ordre=1)


@pytest.fixture
def aidants(db):
    return PublicCibleFactory(libelle="Aidants", ordre=2)


@pytest.fixture
def action(action, agees):
    """The shared fiche, for the elderly."""
    action.publics.set([agees])
    return action


def _besoin(action: Action, thematique: str):
    return BesoinSocialFactory(projet=action.objectif.axe.projet, thematique=thematique)


def _enregistrer(client, action: Action, **modifications) -> None:
    """Open the edit form, change what a user would, save."""
    data = lire_formulaire(client.get(reverse("actions:modifier", args=[action.pk])))
    data.update(modifications)
    response = client.post(reverse("actions:modifier", args=[action.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


def _entrees_fiche(action: Action) -> list:
    return [entree for entree in Historique(action).entrees() if entree.objet == "Fiche"]


def _quand(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y à H:i")


def test_publics_changed_in_the_form_show_in_one_entry_with_who_and_when(
    client, agent, action, agees, aidants
):
    client.force_login(agent)
    avant = action.history.count()

    _enregistrer(client, action, publics=[str(agees.pk), str(aidants.pk)])

    # simple-history wrote two records (the save, then the public added)...
    enregistrements = list(action.history.order_by("history_id"))[avant:]
    assert [(e.history_type, e.history_user) for e in enregistrements] == [
        ("~", agent),
        ("~", agent),
    ]
    # ...that the history shows as one entry.
    modification, creation = _entrees_fiche(action)
    assert creation.nature == "Création"
    assert (modification.nature, modification.auteur) == ("Modification", "Annie Agent")
    assert [(c.champ, c.avant, c.apres) for c in modification.changements] == [
        ("Publics cibles", "Personnes âgées", "Personnes âgées, Aidants")
    ]
    page = client.get(reverse("actions:historique", args=[action.pk]))
    date = enregistrements[0].history_date
    assertContains(
        page,
        f'<p class="mb-1"><time datetime="{timezone.localtime(date).isoformat()}">'
        f"{_quand(date)}</time> · <strong>Annie Agent</strong> · Fiche : modification</p>",
        html=True,
    )
    assertContains(
        page,
        '<li>Publics cibles : <del><span class="visually-hidden">avant : </span>'
        'Personnes âgées</del> <span aria-hidden="true">→</span> <ins>'
        '<span class="visually-hidden">après : </span>Personnes âgées, Aidants</ins> '
        '<span class="text-body-secondary">(ajout : Aidants)</span></li>',
        html=True,
    )
    assertContains(page, "Fiche : modification", count=1)


def test_besoins_changed_in_the_form_show_what_came_and_went(client, agent, action):
    isolement, droits = _besoin(action, "Isolement"), _besoin(action, "Accès aux droits")
    action.besoins.set([isolement])
    client.force_login(agent)
    avant = action.history.count()

    _enregistrer(client, action, besoins=[str(droits.pk)])

    assert action.history.count() == avant + 3  # the save, the besoin removed, the one added
    modification = _entrees_fiche(action)[0]
    assert modification.auteur == "Annie Agent"
    assert [(c.champ, c.avant, c.apres, c.detail) for c in modification.changements] == [
        (BESOINS, "Isolement", "Accès aux droits", "ajout : Accès aux droits ; retrait : Isolement")
    ]
    page = client.get(reverse("actions:historique", args=[action.pk]))
    assertContains(
        page,
        f'<li>{BESOINS} : <del><span class="visually-hidden">avant : </span>Isolement</del> '
        '<span aria-hidden="true">→</span> <ins><span class="visually-hidden">après : </span>'
        'Accès aux droits</ins> <span class="text-body-secondary">'
        "(ajout : Accès aux droits ; retrait : Isolement)</span></li>",
        html=True,
    )


def test_one_save_of_fields_and_lists_is_one_entry_in_the_model_order(
    client, agent, action, agees, aidants
):
    droits = _besoin(action, "Accès aux droits")
    client.force_login(agent)

    _enregistrer(
        client,
        action,
        intitule="Visites à domicile",
        statut=StatutAction.EN_COURS,
        publics=[str(aidants.pk)],
        besoins=[str(droits.pk)],
    )

    modification, _creation = _entrees_fiche(action)
    assert [(c.champ, c.avant, c.apres, c.detail) for c in modification.changements] == [
        ("Intitulé", "Visites de convivialité", "Visites à domicile", ""),
        (
            "Publics cibles",
            "Personnes âgées",
            "Aidants",
            "ajout : Aidants ; retrait : Personnes âgées",
        ),
        (BESOINS, "(aucun)", "Accès aux droits", "ajout : Accès aux droits"),
        ("Statut", "À lancer", "En cours", ""),
    ]


def test_a_save_that_keeps_the_lists_records_no_list_change(client, agent, action):
    client.force_login(agent)
    avant = action.history.count()

    _enregistrer(client, action, intitule="Visites à domicile")

    assert action.history.count() == avant + 1
    modification = _entrees_fiche(action)[0]
    assert [c.champ for c in modification.changements] == ["Intitulé"]


def test_each_save_is_its_own_entry(client, agent, action, agees, aidants):
    client.force_login(agent)

    _enregistrer(client, action, publics=[str(agees.pk), str(aidants.pk)])
    _enregistrer(client, action, publics=[str(aidants.pk)])

    deuxieme, premiere, creation = _entrees_fiche(action)
    assert [(c.avant, c.apres) for c in premiere.changements] == [
        ("Personnes âgées", "Personnes âgées, Aidants")
    ]
    assert [(c.avant, c.apres, c.detail) for c in deuxieme.changements] == [
        ("Personnes âgées, Aidants", "Aidants", "retrait : Personnes âgées")
    ]
    assert creation.nature == "Création"


def test_a_list_changed_outside_a_save_is_its_own_entry(client, agent, action, aidants):
    client.force_login(agent)
    _enregistrer(client, action, intitule="Visites à domicile")

    action.refresh_from_db()
    action.publics.add(aidants)  # a script: no user, no save of the fiche

    systeme, modification, _creation = _entrees_fiche(action)
    assert systeme.auteur == "Système"
    assert [(c.champ, c.detail) for c in systeme.changements] == [
        ("Publics cibles", "ajout : Aidants")
    ]
    assert modification.auteur == "Annie Agent"
    assert [c.champ for c in modification.changements] == ["Intitulé"]


def test_a_deleted_public_still_reads_in_the_history(client, agent, action, agees, aidants):
    client.force_login(agent)
    _enregistrer(client, action, publics=[str(agees.pk), str(aidants.pk)])

    aidants.delete()

    modification = _entrees_fiche(action)[-2]
    assert modification.changements[0].apres == "Personnes âgées, élément supprimé"


def test_the_limited_history_shows_only_whole_saves(action, agees, aidants):
    # 30 saves, each followed by a change of publics: 3 records each, more than the limit.
    for i in range(30):
        action.intitule = f"Intitulé {i}"
        action.save_versioned(action.version)
        action.publics.set([aidants if i % 2 else agees])

    entrees = _entrees_fiche(action)

    # The 50 latest records: 16 whole saves, and the last 2 records of a 17th, left out (the
    # record before its save is not read, so what the save changed is not known).
    assert len(entrees) == 16
    assert entrees[0].changements[0].apres == "Intitulé 29"
    for entree in entrees:
        assert [c.champ for c in entree.changements] == ["Intitulé", "Publics cibles"]


def test_a_conflict_shows_the_publics_changed_in_between(client, action, agees, aidants):
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    second = AgentFactory(username="agent-2")
    onglet_2 = client.__class__()
    client.force_login(premier)
    onglet_2.force_login(second)
    formulaire = reverse("actions:modifier", args=[action.pk])
    data_2 = lire_formulaire(onglet_2.get(formulaire))
    _enregistrer(client, action, publics=[str(agees.pk), str(aidants.pk)])

    refus = onglet_2.post(formulaire, data_2)

    assert refus.status_code == 409
    assertContains(
        refus,
        '<tr><th scope="row">Publics cibles</th><td>Personnes âgées</td>'
        "<td>Personnes âgées, Aidants</td></tr>",
        html=True,
        status_code=409,
    )
