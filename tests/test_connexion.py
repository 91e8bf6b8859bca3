"""The guard against password guessing: one mechanism for every way in, keyed on the
identifiant as authentication reads it and on the client's address, counted atomically;
what administrators see of it and how they lift it; the password policy; sessions."""

import datetime
import io
import logging

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from projet_social import connexion
from projet_social.models import EchecConnexion

URL = reverse("login")
BON = "mot-de-passe-de-test"

pytestmark = pytest.mark.django_db


def _essai(client, username: str, password: str, adresse: str = "127.0.0.1", **entetes):
    return client.post(
        URL, {"username": username, "password": password}, REMOTE_ADDR=adresse, **entetes
    )


def _echouer(client, username: str, fois: int = 5, adresse: str = "127.0.0.1") -> None:
    for _ in range(fois):
        reponse = _essai(client, username, "mauvais", adresse)
        assert reponse.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in reponse.content.decode()


def test_login_is_suspended_after_five_failures_even_with_the_right_password(client, agent):
    _echouer(client, "agent-test")

    bloque = _essai(client, "agent-test", BON)

    assert bloque.status_code == 429
    assert "Trop de tentatives de connexion ont échoué" in bloque.content.decode()
    assert "_auth_user_id" not in client.session
    # The count is per identifiant, whatever its case.
    assert _essai(client, "AGENT-TEST", BON).status_code == 429


@pytest.mark.parametrize("deguise", ["ａｇｅｎｔ-test", "𝐚gent-test", "AGENT-test"])
def test_an_identifiant_written_otherwise_is_the_same_identifiant(client, agent, deguise):
    """Django's login form normalises the identifiant (NFKC): so does the count."""
    _echouer(client, "agent-test")
    assert _essai(client, deguise, BON).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_no_way_around(client, agent, administrateur):
    for _ in range(12):
        reponse = client.post(
            "/admin/login/", {"username": "admin-test", "password": "mauvais"}, follow=False
        )
        assert reponse.status_code == 302  # to the product's login, nothing checked
    _echouer(client, "admin-test")
    reponse = client.post(reverse("admin_connexion"), {"username": "admin-test", "password": BON})
    assert "_auth_user_id" not in client.session
    # Any call of authenticate() is guarded, whatever sends it.
    requete = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    assert authenticate(requete, username="admin-test", password=BON) is None
    assert requete.connexion_refusee == connexion.MESSAGE_BLOQUE
    assert reponse.status_code == 302


def test_someone_elsewhere_cannot_lock_an_agent_out_of_their_office(client, administrateur):
    _echouer(client, "admin-test", adresse="203.0.113.9")
    assert _essai(client, "admin-test", BON, "203.0.113.9").status_code == 429

    assert _essai(client, "admin-test", BON, "10.1.2.3").status_code == 302


def test_password_spraying_from_one_address_is_limited(client, settings, agent):
    settings.LOGIN_LIMITE_ADRESSE = "10/15m"
    for rang in range(10):  # 2 wrong passwords on each of 5 identifiants
        assert _essai(client, f"compte{rang % 5}", "Printemps2026!").status_code == 200

    reponse = _essai(client, "agent-test", BON)

    assert reponse.status_code == 429
    assert "depuis ce poste" in reponse.content.decode()
    assert _essai(client, "agent-test", BON, "10.9.9.9").status_code == 302


def test_the_address_is_read_behind_the_configured_proxies_only(client, settings, agent):
    # No proxy declared: a forged X-Forwarded-For changes nothing.
    for rang in range(5):
        _essai(client, "agent-test", "mauvais", HTTP_X_FORWARDED_FOR=f"198.51.100.{rang}")
    assert _essai(client, "agent-test", BON, HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == (
        429
    )
    # Behind one proxy (nginx), the address it wrote last is the client's.
    settings.PROXIES_DE_CONFIANCE = 1
    requete = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    assert connexion.adresse_du_client(requete) == "198.51.100.7"
    assert _essai(client, "agent-test", BON, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == (
        302
    )


def test_parallel_attempts_count_each_other(agent):
    """Each attempt is written before its password is checked: of 20 attempts that all
    count before any is checked (as parallel requests may), only 5 go on."""
    requete = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    tentatives = [connexion.Tentative(requete, "agent-test") for _ in range(20)]

    refus = [tentative.compter() for tentative in tentatives]

    assert refus.count(None) == 5
    assert refus[5:] == [connexion.MESSAGE_BLOQUE] * 15


def test_successful_logins_are_not_counted_and_clear_the_failures(client, agent, elu):
    _echouer(client, "agent-test", fois=4)
    assert _essai(client, "agent-test", BON).status_code == 302
    client.logout()
    assert not EchecConnexion.objects.filter(identifiant="agent-test").exists()
    for _ in range(8):
        assert _essai(client, "elu-test", BON).status_code == 302
        client.logout()


def test_old_failures_are_forgotten(client, agent):
    _echouer(client, "agent-test")
    EchecConnexion.objects.update(date=timezone.now() - datetime.timedelta(minutes=16))
    assert _essai(client, "agent-test", BON).status_code == 302
    EchecConnexion.objects.create(identifiant="x", adresse="10.0.0.1")
    EchecConnexion.objects.filter(identifiant="x").update(
        date=timezone.now() - datetime.timedelta(days=2)
    )
    _essai(client, "personne", "mauvais")
    assert not EchecConnexion.objects.filter(identifiant="x").exists()


def test_logins_failures_and_lockouts_are_logged(client, agent, caplog):
    caplog.set_level(logging.INFO, logger="projet_social.connexion")
    _echouer(client, "agent-test")
    _essai(client, "agent-test", BON)
    _essai(client, "agent-test", BON, "10.0.0.2")
    messages = [r.getMessage() for r in caplog.records]
    assert "Échec de connexion : identifiant « agent-test » depuis 127.0.0.1." in messages
    assert "Connexion refusée (suspendue) : identifiant « agent-test » depuis 127.0.0.1." in (
        messages
    )
    assert "Connexion de « agent-test » depuis 10.0.0.2." in messages


def test_administrators_see_and_lift_lockouts(client, agent, administrateur):
    _echouer(client, "agent-test")
    sortie = io.StringIO()
    call_command("debloquer_connexions", stdout=sortie)
    assert "identifiant « agent-test » depuis 127.0.0.1 : 5 échecs" in sortie.getvalue()

    client.force_login(administrateur)
    page = client.get(reverse("admin:projet_social_echecconnexion_changelist"))
    assert "Suspendu jusqu&#x27;à" in page.content.decode()
    assert "l&#x27;identifiant « agent-test » depuis 127.0.0.1" in page.content.decode()
    client.post(
        reverse("admin:projet_social_echecconnexion_changelist"),
        {
            "action": "lever_la_suspension",
            "_selected_action": list(EchecConnexion.objects.values_list("pk", flat=True)),
        },
    )
    client.logout()
    assert _essai(client, "agent-test", BON).status_code == 302

    client.logout()
    _echouer(client, "agent-test")
    call_command("debloquer_connexions", "--identifiant", "AGENT-TEST", stdout=io.StringIO())
    assert _essai(client, "agent-test", BON).status_code == 302


@pytest.mark.parametrize(
    ("mot_de_passe", "valide"),
    [
        ("Gouesnou29!", False),
        ("qwertyuiop123", False),
        ("agent-test-2026", False),
        ("Gouesnou-CCAS-2026", True),
    ],
)
def test_passwords_follow_the_cnil_recommendation(agent, mot_de_passe, valide):
    """12 characters at least, not a common password, not close to the account."""
    if valide:
        validate_password(mot_de_passe, agent)
    else:
        with pytest.raises(ValidationError):
            validate_password(mot_de_passe, agent)


def test_a_session_lasts_a_working_day_after_the_last_request(client, agent, monkeypatch):
    _essai(client, "agent-test", BON)
    fin = client.session.get_expiry_date()
    assert (
        datetime.timedelta(hours=9, minutes=59)
        < fin - timezone.now()
        <= (datetime.timedelta(hours=10))
    )
    import time

    plus_tard = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: plus_tard)
    client.get(reverse("home"))
    session = client.session
    assert session["_renouvelee"] == int(plus_tard)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_passwords_are_hashed_with_argon2id_and_old_hashes_upgraded(client, settings, agent):
    from django.contrib.auth.hashers import make_password

    from projet_social import settings as reglages_du_projet  # the tests use a faster hasher

    settings.PASSWORD_HASHERS = reglages_du_projet.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "projet_social.hachage.Argon2idOWASP"
    agent.password = make_password(BON, hasher="pbkdf2_sha256")  # an account of before
    agent.save()

    assert _essai(client, "agent-test", BON).status_code == 302

    agent.refresh_from_db()
    assert agent.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    client.logout()
    assert _essai(client, "agent-test", BON).status_code == 302
