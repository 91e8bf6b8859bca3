"""A server process compiles every template and imports every view before its first request
(projet_social/prechauffage.py, called by wsgi.py)."""

import importlib
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.template import engines
from django.template.loaders.filesystem import Loader

from projet_social.prechauffage import gabarits_du_projet, prechauffer


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
