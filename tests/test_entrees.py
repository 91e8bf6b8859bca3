"""No server error on bad input: what a probe of the running product turned into 500s gets
a French 400, 404 or 409, and garbage posted to every screen of the product gets no 500."""

import re

import pytest
from django.urls import reverse

from actions.models import Action, Partenaire
from tests.factories_utilisateurs import AdministrateurFactory
from tests.test_roles import ECRANS, _url, objets  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministrateurFactory())
    return client


@pytest.mark.parametrize(
    "adresse",
    [
        "/admin/actions/action/?statut__exact=%00",
        "/actions/?q=%00marianne",
        "/actions/?statut=en_cours%00",
        "/admin/actions/partenaire/?q=a%00b",
    ],
)
def test_a_nul_character_in_a_parameter_is_a_french_400(admin_client, adresse):
    reponse = admin_client.get(adresse)

    assert reponse.status_code == 400
    assert "caractère nul" in reponse.content.decode()


def test_a_nul_character_in_a_form_is_a_400_and_nothing_is_saved(admin_client):
    reponse = admin_client.post(
        reverse("actions:partenaire_creer"), {"nom": "Centre\x00social", "type": "autre"}
    )

    assert reponse.status_code == 400
    assert not Partenaire.objects.exists()


@pytest.mark.parametrize(
    "adresse",
    [
        "/admin/evaluations/reunion/?date__year=99999999999999999999",
        "/admin/evaluations/reunion/?date__year=2025&date__month=99999999999999999999",
        "/admin/actions/action/?id__exact=99999999999999999999999",
    ],
)
def test_a_number_out_of_range_is_no_server_error(admin_client, adresse):
    reponse = admin_client.get(adresse)

    assert reponse.status_code in (200, 302, 400), reponse.status_code


def test_a_text_of_a_megabyte_is_refused_in_french(admin_client, action):
    from tests.formulaires import donnees_du_formulaire

    page = admin_client.get(reverse("actions:modifier", args=[action.pk]))
    donnees = donnees_du_formulaire(page)
    donnees["description"] = "x" * (1024 * 1024)

    reponse = admin_client.post(reverse("actions:modifier", args=[action.pk]), donnees)

    assert reponse.status_code == 200
    assert "au plus 20000 caractères" in reponse.content.decode().replace("\u202f", "")
    action.refresh_from_db()
    assert len(action.description) < 1000


# --- Garbage to every screen -----------------------------------------------------------------

DECHETS = [
    "",
    "-1",
    "99999999999999999999999",
    "1e309",
    "31/31/2025",
    "<script>alert(1)</script>' OR 1=1 --",
    "é" * 300,
]


def _champs(html: str) -> set[str]:
    """The names of the fields of the page's forms, management forms included."""
    return set(re.findall(r'name="([^"]+)"', html)) - {"csrfmiddlewaretoken"}


@pytest.mark.parametrize("nom", ECRANS)
def test_garbage_posted_to_every_screen_is_no_server_error(admin_client, objets, nom):  # noqa: F811
    url = _url(nom, objets)
    page = admin_client.get(url)
    assert page.status_code < 500, (url, page.status_code)
    html = page.status_code == 200 and page["Content-Type"].startswith("text/html")
    if not html:  # a file (PDF, spreadsheet): its parameters only
        for dechet in DECHETS[1:4]:
            reponse = admin_client.get(url, {"q": dechet, "sections": dechet, "bilan": dechet})
            assert reponse.status_code < 500, (url, dechet, reponse.status_code)
        return
    champs = _champs(page.content.decode()) | {"q", "page", "tri", "statut", "axe", "bilan"}
    for rang, dechet in enumerate(DECHETS):
        donnees = {champ: dechet for champ in champs}
        # Tampered management forms: more initial forms than rows, negative totals.
        for champ in champs:
            if champ.endswith("INITIAL_FORMS") or champ.endswith("TOTAL_FORMS"):
                donnees[champ] = ["5", "-3", "1000", dechet][rang % 4]
        reponse = admin_client.post(url, donnees)
        assert reponse.status_code < 500, (url, dechet, reponse.status_code)
        reponse = admin_client.get(url, {champ: dechet for champ in ("q", "page", "tri", "bilan")})
        assert reponse.status_code < 500, (url, dechet, reponse.status_code)
    assert Action.objects.filter(intitule__in=DECHETS).count() == 0
