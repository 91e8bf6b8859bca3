"""The plan's generation (projet_social/generation.py): a trigger on every table of the plan
logs each write, whatever made it; the dashboard keeps its figures while the generation is
the same, and shows a change at the next request."""

import base64
import datetime
import pickle

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from actions.enums import StatutAction
from actions.models import Action, Partenaire, PublicCible
from evaluations.models import Evaluation
from projet_social import generation as gen
from projet_social.generation import generation, tables_declenchees, tables_suivies
from projet_social.models import Ecriture
from projet_social.permissions import projet_courant_ou_none
from tests.actions.factories import ActionFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


def test_every_table_of_the_plan_logs_its_writes():
    attendues = set()
    for app in gen.APPS_DU_PLAN:
        for modele in apps.get_app_config(app).get_models(include_auto_created=True):
            table = modele._meta.db_table
            if "historical" in table or table in gen.EXCLUES:
                continue  # the history goes with a write of its table; the dossiers kept
            attendues.add(table)
    assert attendues | set(gen.TABLES_DES_DROITS) == set(tables_suivies())
    assert "actions_action_publics" in attendues  # many-to-many tables too
    # And who may do what: the rights a process keeps follow them.
    assert set(gen.TABLES_DES_DROITS) <= set(tables_suivies())
    assert tables_declenchees() == attendues | set(gen.TABLES_DES_DROITS) | {"auth_user"}
    assert gen.JOURNAL == Ecriture._meta.db_table


def test_each_way_of_writing_changes_the_generation(action, objectif):
    vues = [generation()]

    def change():
        vues.append(generation())
        return vues[-1] != vues[-2]

    action.intitule = "Par le formulaire"
    action.save()
    assert change()
    Action.objects.filter(pk=action.pk).update(statut=StatutAction.REALISEE)
    assert change()
    PublicCible.objects.bulk_create([PublicCible(libelle="Aidants"), PublicCible(libelle="Jeunes")])
    assert change()
    action.publics.add(*PublicCible.objects.all())
    assert change()
    Partenaire.objects.create(nom="CAF").delete()
    assert change()
    with connection.cursor() as curseur:  # the shell, a script, a restored backup
        curseur.execute("UPDATE actions_action SET constat = 'SQL' WHERE id = %s", [action.pk])
    assert change()
    assert not change()  # reading changes nothing


def test_a_login_is_not_a_change_but_a_name_is(agent):
    avant = generation()
    agent.save(update_fields=["last_login"])
    assert generation() == avant
    agent.first_name = "Renommée"
    agent.save()
    assert generation() != avant


def test_a_rolled_back_write_leaves_the_generation_as_it_was(action):
    avant = generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(intitule="Annulé")
        raise RuntimeError
    assert generation() == avant


def test_the_log_is_pruned_and_the_generation_still_moves(action, monkeypatch):
    monkeypatch.setattr(gen, "TAILLE_MAX_DU_JOURNAL", 10)
    monkeypatch.setattr(gen, "GARDEES_APRES_ELAGAGE", 3)
    vues = {generation()}
    for n in range(30):
        Action.objects.filter(pk=action.pk).update(intitule=f"Version {n}")
        vues.add(generation())
    assert len(vues) == 31  # never twice the same
    nombre, _ = generation()
    assert nombre <= 11


# --- The dashboard keeps its figures while nothing is written -------------------------------


def _figures(response) -> str:
    html = response.content.decode()
    return html[html.index('id="chiffres-cles"') :]


@pytest.fixture
def bilan(projet, objectif):
    campagne = CampagneFactory(projet=projet, annee=2025)
    for numero in range(11, 14):
        EvaluationFactory(campagne=campagne, action=ActionFactory(objectif=objectif, numero=numero))
    return campagne


def test_the_dashboard_shows_a_write_at_the_next_request(client, elu, bilan):
    client.force_login(elu)
    avant = _figures(client.get("/"))
    assert "Réalisée : 0" in avant
    assert _figures(client.get("/")) == avant  # kept
    # A write no signal sees (a queryset's update): the next page shows it.
    Evaluation.objects.filter(action__numero=11).update(
        statut=StatutAction.REALISEE, taux_realisation=100
    )
    apres = _figures(client.get("/"))
    assert "Réalisée : 1" in apres


def test_what_is_kept_is_the_same_for_everyone_and_holds_nothing_of_a_user(
    client, agent, elu, bilan, objectif
):
    ActionFactory(  # late: in her « À faire »
        objectif=objectif,
        numero=9,
        pilote=agent,
        intitule="Fiche pilotée par Agathe",
        statut=StatutAction.EN_COURS,
        date_debut=datetime.date(2020, 1, 1),
        echeance=datetime.date(2020, 1, 31),
    )
    agent.first_name, agent.last_name = "Agathe", "Pilotedelafiche"
    agent.save()
    client.force_login(agent)
    page_agent = client.get("/").content.decode()
    assert (
        "Fiche pilotée par Agathe" in page_agent.split('id="chiffres-cles"')[0]
    )  # her « À faire »
    client.force_login(elu)
    page_elu = client.get("/")
    # The élu gets the part the agent's request kept, and not her « À faire ».
    assert _figures(page_elu) == page_agent[page_agent.index('id="chiffres-cles"') :]
    assert (
        "Fiche pilotée par Agathe" not in page_elu.content.decode().split('id="chiffres-cles"')[0]
    )
    kept = _gardees()
    assert kept and all("Pilotedelafiche" not in v and "csrfmiddlewaretoken" not in v for v in kept)


def _gardees() -> list[str]:
    """The parts kept, as the cache « pages » holds them (pickled, in base64, in its table)."""
    with connection.cursor() as curseur:
        curseur.execute("SELECT value FROM projet_social_cache_pages")
        return [str(pickle.loads(base64.b64decode(valeur))) for (valeur,) in curseur.fetchall()]


def test_another_review_or_axe_is_another_part(client, elu, bilan, projet, objectif):
    ancien = CampagneFactory(projet=projet, annee=2024)
    client.force_login(elu)
    courant = _figures(client.get("/"))
    autre = _figures(client.get("/", {"bilan": ancien.pk}))
    assert courant != autre
    assert "Bilan 2024" in autre and "Bilan 2025" in courant
    par_axe = _figures(client.get("/", {"axe": objectif.axe.pk}))
    assert f"Axe {objectif.axe.numero}." in par_axe.split("</h2>")[0]


def test_user_names_on_the_dashboard_follow_their_change(client, elu, bilan):
    client.force_login(elu)
    client.get("/")
    get_user_model().objects.filter(pk=elu.pk).update(last_name="Nouveau nom")
    # (a name is not on the figures; the generation moved all the same)
    assert len(_gardees()) == 1
    client.get("/")
    assert len(_gardees()) == 2


def test_the_plan_keeps_one_tree_per_set_of_buttons(client, agent, elu, action):
    client.force_login(agent)
    arbre_agent = client.get("/plan/").content.decode()
    assert "Ajouter une action" in arbre_agent
    client.force_login(elu)
    arbre_elu = client.get("/plan/").content.decode()
    assert "Ajouter une action" not in arbre_elu and action.intitule in arbre_elu
    assert len(_gardees()) == 2  # the agent's tree and the élu's
    # Written by a queryset (no signal, no save()): the next reading shows it.
    Action.objects.filter(pk=action.pk).update(intitule="Un minibus pour les aînés")
    assert "Un minibus pour les aînés" in client.get("/plan/").content.decode()


# --- What a server process keeps until the plan changes (``memoire``) -------------------------


def test_a_process_reads_the_plan_s_reference_data_once_until_it_changes(
    client, agent, action, django_assert_num_queries
):
    """The current plan, its latest review, the fiches in order, the user's rights: read by
    the first fiche page, then kept; the generation is read once per page."""
    autre = ActionFactory(objectif=action.objectif, numero=2, intitule="Deuxième fiche")
    client.force_login(agent)
    client.get(f"/actions/{action.pk}/")
    with CaptureQueriesContext(connection) as premiere:
        client.get(f"/actions/{autre.pk}/")
    journal = [q["sql"] for q in premiere.captured_queries if gen.JOURNAL in q["sql"]]
    assert len(journal) == 1
    lues = " ".join(q["sql"] for q in premiere.captured_queries)
    for table in ("axes_projetsocial", "evaluations_campagne", "auth_group_permissions"):
        assert f'FROM "{table}"' not in lues, table
    # A fiche added, a name changed: the next page reads them again and shows them.
    ActionFactory(objectif=action.objectif, numero=3, intitule="Troisième fiche")
    contenu = client.get(f"/actions/{autre.pk}/").content.decode()
    assert "Fiche suivante : 2.3.3 Troisième fiche" in contenu


def test_a_right_taken_away_is_gone_at_the_next_request(client, agent, action):
    client.force_login(agent)
    assert client.get(f"/actions/{action.pk}/modifier/").status_code == 200
    groupe = agent.groups.get()
    groupe.permissions.remove(Permission.objects.get(codename="change_action"))
    assert client.get(f"/actions/{action.pk}/modifier/").status_code == 403
    # And the same for an account taken out of its group.
    groupe.permissions.add(Permission.objects.get(codename="change_action"))
    assert client.get(f"/actions/{action.pk}/modifier/").status_code == 200
    agent.groups.clear()
    assert client.get(f"/actions/{action.pk}/").status_code == 403


def test_nothing_is_kept_from_inside_a_transaction(projet):
    lectures = []

    def lire():
        lectures.append(1)
        return "valeur"

    with transaction.atomic():  # its writes may yet be rolled back
        assert gen.memoire("essai", (), lire) == "valeur"
        assert gen.memoire("essai", (), lire) == "valeur"
    assert len(lectures) == 2
    gen.memoire("essai", (), lire)
    gen.memoire("essai", (), lire)
    assert len(lectures) == 3


def test_each_request_gets_its_own_copy_of_the_current_plan(rf, projet):
    premiere, seconde = rf.get("/"), rf.get("/")
    projet_lu = projet_courant_ou_none(premiere)
    projet_lu.intitule = "Changé par une vue, jamais enregistré"
    assert projet_courant_ou_none(seconde).intitule == projet.intitule
    # The same for a tuple of instances kept (a plan's open reviews); named tuples of values
    # (the fiches in order) are shared as they are.
    ouvertes = gen.memoire("essai", (), lambda: (projet,))
    ouvertes[0].intitule = "Changé aussi"
    assert gen.memoire("essai", (), lambda: ())[0].intitule == projet.intitule
