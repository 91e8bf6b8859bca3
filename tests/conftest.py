import pytest
from django.core.cache import caches

from actions.enums import StatutAction
from projet_social.generation import oublier
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.factories_utilisateurs import (
    AdministrateurFactory,
    AgentFactory,
    EluFactory,
    UserFactory,
)


@pytest.fixture
def agent(db):
    return AgentFactory(username="agent-test")


@pytest.fixture
def elu(db):
    return EluFactory(username="elu-test")


@pytest.fixture
def administrateur(db):
    return AdministrateurFactory(username="admin-test")


@pytest.fixture(autouse=True)
def _parties_de_pages_oubliees(request):
    # The parts of pages kept (cache « pages », a table no flush empties) would outlive a
    # transactional test's emptied database, where the next one may reach the same
    # generation with other data. (Other tests' rows go with their rolled-back transaction.)
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        caches["pages"].clear()
        caches["documents"].clear()


@pytest.fixture(autouse=True)
def _memoire_des_processus_oubliee():
    # What a server process keeps per generation (projet_social/generation.py, ``memoire``):
    # a test's data are rolled back at its end, and the next test may reach the same
    # generation with other data (SQLite gives the log's numbers again).
    oublier()
    yield
    oublier()


@pytest.fixture(autouse=True)
def _documents_attendus(settings):
    # Tests read the PDF in the response: the request waits for the rendering however long
    # it takes on a busy machine. The « en préparation » path has its own tests
    # (tests/test_documents_en_preparation.py), which wait less.
    settings.PDF_ATTENTE_COURTE = settings.PDF_ATTENTE_LONGUE = 300


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Every factory user gets a password: PBKDF2 would make up most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The plan most tests work in: axe 2, objective 2.3, fiche 2.3.1 --------------------------


@pytest.fixture
def projet(db):
    """The current plan: adopted, 2023-2026."""
    return ProjetSocialFactory(
        intitule="Projet social de territoire 2023-2026", annee_debut=2023, annee_fin=2026
    )


@pytest.fixture
def axe(projet):
    return AxeFactory(projet=projet, numero=2, intitule="Lien social", couleur="#7a3e9d")


@pytest.fixture
def objectif(axe):
    return ObjectifFactory(axe=axe, numero=3, intitule="Rompre l’isolement")


@pytest.fixture
def pilote(db):
    """A partner's staff member with an account: in no group, so what they may do on their
    fiche comes from piloting it, not from a role."""
    return UserFactory(username="pilote-test", first_name="Paule", last_name="Pilote")


@pytest.fixture
def action(objectif, pilote):
    """Fiche 2.3.1, not started yet, piloted by ``pilote``."""
    return ActionFactory(
        objectif=objectif,
        numero=1,
        intitule="Visites de convivialité",
        statut=StatutAction.A_LANCER,
        pilote=pilote,
    )


@pytest.fixture
def deux_onglets(db, client):
    """Two agents, each in their browser, about to edit the same object: (first tab, second
    tab, first agent « Agent CCAS », second agent « Bernard Second »)."""
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    second = AgentFactory(username="agent-2", first_name="Bernard", last_name="Second")
    onglet_2 = client.__class__()
    client.force_login(premier)
    onglet_2.force_login(second)
    return client, onglet_2, premier, second
