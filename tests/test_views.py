from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.actions.factories import ActionFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory


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
def test_home_shows_plan_progress_and_counts(client, elu, projet, objectif):
    projet.est_demo = True
    projet.save()
    campagne = CampagneFactory(projet=projet, annee=2025)
    EvaluationFactory(
        campagne=campagne, action=ActionFactory(objectif=objectif), taux_realisation=60
    )
    ActionFactory(objectif=objectif, en_retard=True)
    client.force_login(elu)

    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Projet social de territoire 2023-2026" in content
    assert "2. Lien social" in content
    assert "30 %" in content  # (60 + 0) / 2
    assert response.context["nb_en_retard"] == 1
    assert response.context["nb_actions"] == 2
    assert "Données de démonstration" in content


@pytest.mark.django_db
def test_home_query_count_does_not_grow(client, elu, projet, objectif, django_assert_num_queries):
    campagne = CampagneFactory(projet=projet)
    client.force_login(elu)
    ActionFactory(objectif=objectif)
    # 1 session, 2 user, 3 projet (view), 4 latest campagne, 5 statut counts, 6 axes with
    # their number of actions, 7 avancement per objective (axes and projet combine it),
    # 8 late count (the header reuses the projet read by the view)
    with django_assert_num_queries(8):
        response = client.get("/")
    assert response.context["avancement"].couverture == f"0 / 1 action évaluée au {campagne}"
    for _ in range(20):
        EvaluationFactory(campagne=campagne, action=ActionFactory(objectif=objectif))
    with django_assert_num_queries(8):
        response = client.get("/")
    # 20 actions evaluated at 50 %, the first one never evaluated (0): 1 000 / 21 = 47.6 %.
    assert response.context["avancement"].couverture == f"20 / 21 actions évaluées au {campagne}"
    assert round(response.context["avancement"].moyenne) == 48


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
    assert "Bilan 2025 · campagne ouverte" in content
    # Only the first is evaluated (an appréciation chosen): 50 %; the second's evaluation is
    # prepared but not typed in, the third has none: both count 0. (50 + 0 + 0) / 3 = 17 %.
    assert "1 action évaluée sur 3 · saisie en cours" in content
    assert (
        '<p class="stat-value mb-1">17 %</p> <p class="mb-0">d\'avancement moyen (Bilan 2025)</p>'
        in content
    )
    assert (
        "1 / 3 actions évaluées au Bilan 2025 · "
        '<span class="badge text-bg-warning">en cours de saisie</span>'
    ) in content
    assert reverse("evaluations:campagne", args=[campagne.pk]) in content
