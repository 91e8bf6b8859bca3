import re
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.actions.factories import ActionFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory
from tests.factories_utilisateurs import AdministrateurFactory
from tests.test_roles import ECRANS, _url, objets  # noqa: F401


@pytest.mark.django_db
def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_healthz_503_when_database_fails(client):
    with mock.patch("projet_social.views.accueil.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "indisponible" in response.content.decode()


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_admin_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_login_page_is_french_and_logs_in(client, agent):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert '<html lang="fr">' in page.content.decode()
    assert "Mot de passe" in page.content.decode()

    wrong = client.post(reverse("login"), {"username": "agent-test", "password": "faux"})
    assert "Identifiant ou mot de passe incorrect" in wrong.content.decode()

    ok = client.post(
        reverse("login"), {"username": "agent-test", "password": "mot-de-passe-de-test"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == reverse("home")


@pytest.mark.django_db
def test_logout_is_a_post(client, agent):
    client.force_login(agent)

    # Django's LogoutView answers only POST: a GET (a link, a prefetch) is refused with a 405
    # and the session is kept.
    refus = client.get(reverse("logout"))
    assert refus.status_code == 405
    assert refus["Allow"] == "POST, OPTIONS"
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert client.get("/").status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    accueil = client.get("/")
    assert accueil.status_code == 302
    assert accueil["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_home_without_projet_explains_what_to_do(client, agent):
    client.force_login(agent)
    response = client.get("/")
    assert "Aucun projet social n'est encore saisi" in response.content.decode()


@pytest.mark.django_db
def test_404_page_is_french(client, agent):
    client.force_login(agent)
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_missing_csrf_token_gets_a_french_explanation(agent):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Le formulaire n'a pas pu être envoyé" in response.content.decode()
    # Still logged in: nothing happened.
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client, agent):
    client.force_login(agent)
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_home_shows_the_latest_review_and_its_progress(client, elu, projet, objectif):
    CampagneFactory(projet=projet, annee=2024, close=True)
    campagne = CampagneFactory(projet=projet, annee=2025)
    EvaluationFactory(campagne=campagne, action=ActionFactory(objectif=objectif))
    EvaluationFactory(campagne=campagne, action=ActionFactory(objectif=objectif), appreciation="")
    ActionFactory(objectif=objectif)  # no evaluation prepared yet
    client.force_login(elu)
    content = " ".join(client.get("/").content.decode().split())
    assert 'Bilan 2025 <span class="badge text-bg-warning">en cours de saisie</span>' in content
    # Only the first is evaluated (an appréciation chosen): 50 %; the second's evaluation is
    # prepared but not typed in, the third has none: both count 0. (50 + 0 + 0) / 3 = 17 %.
    assert '<p class="stat-value mb-1">17 %</p><p class="mb-0">d\'avancement moyen</p>' in content
    assert "1 / 3 actions évaluées au Bilan 2025" in content
    assert reverse("evaluations:campagne", args=[campagne.pk]) in content


@pytest.mark.django_db
def test_the_accessibility_statement_is_public_and_linked_from_every_page(client, agent, settings):
    settings.ACCESSIBILITE_CONTACT = "accessibilite@ccas-gouesnou.fr"
    reponse = client.get(reverse("accessibilite"))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "partiellement conforme" in page
    assert 'href="mailto:accessibilite@ccas-gouesnou.fr"' in page
    assert "Défenseur des droits" in page
    client.force_login(agent)
    assert "Accessibilité : partiellement conforme" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("nom", ECRANS)
def test_no_screen_needs_a_style_attribute(client, objets, nom):  # noqa: F811
    """The content security policy refuses style attributes: no screen writes one (colours
    and bars are SVG fills, widths are classes). The admin alone is allowed them."""
    client.force_login(AdministrateurFactory())
    reponse = client.get(_url(nom, objets))
    assert "style-src-attr" not in reponse.get("Content-Security-Policy", "")
    if reponse["Content-Type"].startswith("text/html"):
        assert not re.findall(r"<[^>]*\sstyle=", reponse.content.decode()), nom


@pytest.mark.django_db
def test_the_admin_keeps_its_style_attributes(client):
    client.force_login(AdministrateurFactory())
    politique = client.get("/admin/")["Content-Security-Policy"]
    assert "style-src-attr 'unsafe-inline'" in politique
    assert "script-src 'self'" in politique
