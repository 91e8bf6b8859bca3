"""A server process compiles every template and imports every view before its first request
(projet_social/prechauffage.py, called by wsgi.py)."""

import gc
import importlib
import runpy
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.template import engines
from django.template.loaders.filesystem import Loader

from projet_social.prechauffage import (
    SEUIL_DES_JEUNES,
    figer_la_memoire,
    gabarits_du_projet,
    prechauffer,
    preparer_les_donnees,
)
from tests.actions.factories import ActionFactory
from tests.axes.factories import ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory


def test_every_template_of_the_project_is_compiled_before_the_first_request():
    dossier = Path(settings.BASE_DIR) / "templates"
    attendus = {p.relative_to(dossier).as_posix() for p in dossier.rglob("*.html")}
    assert attendus and attendus <= set(gabarits_du_projet())
    resultat = prechauffer()
    assert resultat["gabarits"] == len(gabarits_du_projet())
    # Afterwards no page reads a template from disk.
    with mock.patch.object(Loader, "get_contents", side_effect=AssertionError("lu sur disque")):
        for nom in ("home.html", "actions/fiche.html", "base.html"):
            engines["django"].get_template(nom)


def test_the_wsgi_module_warms_its_process_up(monkeypatch):
    import projet_social.wsgi

    with mock.patch("projet_social.prechauffage.prechauffer") as prechauffage:
        importlib.reload(projet_social.wsgi)
    prechauffage.assert_called_once_with()
    monkeypatch.setenv("PRECHAUFFAGE", "0")  # the switch, for a process that serves no page
    with mock.patch("projet_social.prechauffage.prechauffer") as prechauffage:
        importlib.reload(projet_social.wsgi)
    prechauffage.assert_not_called()


# --- The dashboard's figures ready before the first request ---------------------------------


@pytest.mark.django_db
def test_the_first_dashboard_after_a_start_finds_its_figures_ready(
    client, elu, projet, objectif, django_assert_num_queries
):
    CampagneFactory(projet=projet, annee=2024)
    CampagneFactory(projet=projet, annee=2025)
    ActionFactory(objectif=objectif)
    preparer_les_donnees()
    client.force_login(elu)
    # The kept figures' queries (tests/test_tableau_de_bord.py), not the 29 of a rendering.
    with django_assert_num_queries(10):
        response = client.get("/")
    assert "Bilan 2025" in response.content.decode()


@pytest.mark.django_db
def test_no_projet_yet_or_a_failure_does_not_stop_the_process(caplog):
    preparer_les_donnees()  # an empty database: nothing to prepare
    with mock.patch(
        "projet_social.views.accueil.tableau", side_effect=RuntimeError("base indisponible")
    ):
        ProjetSocialFactory()
        preparer_les_donnees()
    assert "le tableau de bord n'a pas pu être préparé" in caplog.text


def test_gunicorn_prepares_each_process_unless_told_not_to(monkeypatch):
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    with (
        mock.patch("projet_social.prechauffage.preparer_les_donnees") as preparer,
        mock.patch("projet_social.prechauffage.figer_la_memoire") as figer,
    ):
        conf["post_worker_init"](worker=None)
    preparer.assert_called_once_with()
    figer.assert_called_once_with()
    monkeypatch.setenv("PRECHAUFFAGE", "0")
    with (
        mock.patch("projet_social.prechauffage.preparer_les_donnees") as preparer,
        mock.patch("projet_social.prechauffage.figer_la_memoire") as figer,
    ):
        conf["post_worker_init"](worker=None)
    preparer.assert_not_called()
    figer.assert_called_once_with()  # the process is loaded all the same


def test_what_a_process_holds_before_its_first_request_is_out_of_the_collector_s_reach():
    seuils = gc.get_threshold()
    try:
        figer_la_memoire()
        # Django, the views and the templates: the collections no longer walk them.
        assert gc.get_freeze_count() > 50_000
        assert gc.get_threshold() == (SEUIL_DES_JEUNES, seuils[1], seuils[2])
        assert SEUIL_DES_JEUNES > seuils[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*seuils)
