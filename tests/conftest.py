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
