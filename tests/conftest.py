import pytest

from tests.actions.factories import AdministrateurFactory, AgentFactory, EluFactory


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
def _fast_password_hasher(settings):
    # Every factory user gets a password: PBKDF2 would make up most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
