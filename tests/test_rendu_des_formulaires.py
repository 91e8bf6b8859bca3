"""The form renderer writes drop-down lists and inputs in Python (projet_social/
rendu_des_formulaires.py): every screen, shown and refused with errors, must come out
character for character as Django's own templates draw it."""

import re
from unittest import mock

import pytest
from django.db import transaction
from django.forms.renderers import DjangoTemplates
from django.test import Client

from tests.factories_utilisateurs import AdministrateurFactory
from tests.test_roles import ECRANS, MODIFICATION, _url, objets  # noqa: F401

DJANGO = "django.forms.renderers.DjangoTemplates"


def _comparable(response) -> str:
    """The page without what changes from one response to the next: the CSRF token (masked
    anew each time) and the charts' numbers (a counter of the process)."""
    texte = response.content.decode(errors="replace")
    texte = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", texte)
    return re.sub(r"graphique-\d+", "graphique-n", texte)


def _pages(renderer: str, settings, administrateur, nom: str, url: str) -> list:
    settings.FORM_RENDERER = renderer
    client = Client()  # its own cookies: no message left by the other drawing
    client.force_login(administrateur)
    with transaction.atomic():  # both drawings of the same data: nothing is kept
        pages = [client.get(url)]
        if nom in MODIFICATION:  # the form again, with the values sent and its errors
            pages.append(client.post(url, {"intitule": '<b>é&"', "numero": "x"}))
        transaction.set_rollback(True)
    return pages


@pytest.mark.parametrize("nom", ECRANS)
def test_every_screen_is_drawn_as_by_djangos_templates(objets, nom, settings):  # noqa: F811
    administrateur = AdministrateurFactory()
    url = _url(nom, objets)
    rapides = _pages(settings.FORM_RENDERER, settings, administrateur, nom, url)
    modeles = _pages(DJANGO, settings, administrateur, nom, url)
    assert rapides[0].status_code == 200
    if not rapides[0]["Content-Type"].startswith("text/html"):
        return  # a file (PDF, spreadsheet): no form in it
    for rapide, modele in zip(rapides, modeles, strict=True):
        assert rapide.status_code == modele.status_code
        assert _comparable(rapide) == _comparable(modele)


def test_the_renderer_draws_the_lists_and_inputs_itself(client, objets):  # noqa: F811
    """Not with Django's templates: the test above compares two different drawings."""
    client.force_login(AdministrateurFactory())
    with mock.patch.object(DjangoTemplates, "render", wraps=DjangoTemplates().render) as gabarit:
        page = client.get(_url("actions:modifier", objets))
    assert page.status_code == 200
    assert page.content.decode().count("<select") >= 5
    dessines = {appel.args[0] for appel in gabarit.call_args_list}
    assert not dessines & {"django/forms/widgets/select.html", "django/forms/widgets/text.html"}
