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
