import pytest
from django.urls import reverse

URL = reverse("login")


def _essai(client, username: str, password: str):
    return client.post(URL, {"username": username, "password": password})


@pytest.mark.django_db
def test_login_is_suspended_after_five_failures_even_with_the_right_password(client, agent):
    for _ in range(5):
        reponse = _essai(client, "agent-test", "mauvais")
        assert reponse.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in reponse.content.decode()

    bloque = _essai(client, "agent-test", "mot-de-passe-de-test")

    assert bloque.status_code == 429
    assert "Trop de tentatives de connexion ont échoué" in bloque.content.decode()
    assert "_auth_user_id" not in client.session
    # The count is per identifiant, whatever its case.
    assert _essai(client, "AGENT-TEST", "mot-de-passe-de-test").status_code == 429


@pytest.mark.django_db
def test_other_identifiants_and_successful_logins_are_not_counted(client, agent, elu):
    for _ in range(5):
        _essai(client, "agent-test", "mauvais")
    # Another account still logs in.
    assert _essai(client, "elu-test", "mot-de-passe-de-test").status_code == 302
    client.logout()
    # Successful logins never exhaust the allowance.
    for _ in range(8):
        assert _essai(client, "elu-test", "mot-de-passe-de-test").status_code == 302
        client.logout()


@pytest.mark.django_db
def test_failures_below_the_limit_do_not_block(client, agent):
    for _ in range(4):
        _essai(client, "agent-test", "mauvais")
    assert _essai(client, "agent-test", "mot-de-passe-de-test").status_code == 302
