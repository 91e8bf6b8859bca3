"""The import of the workbook in the browser: upload, preview, confirm; the record of every
import and its « Imports » page; what a bad file, a changed plan or another session get."""

import datetime
import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import Action
from projet_social.classeur import exporter_classeur
from projet_social.models import ImportClasseur
from projet_social.views.imports import CLE_DE_SESSION
from tests.factories_utilisateurs import AgentFactory
from tests.test_classeur import _cellules, _ligne, _modifier, _ouvrir, plan  # noqa: F401

pytestmark = pytest.mark.django_db
Statut = ImportClasseur.Statut


def _lignes(page: str, classe: str) -> list[list[str]]:
    """The body rows of the page's table of class ``classe``, as the text of their cells."""
    tableau = re.search(rf'<table class="[^"]*\b{classe}\b.*?<tbody>(.*?)</tbody>', page, re.S)
    assert tableau, classe
    return [
        [
            re.sub(r"<[^>]+>", "", cellule).strip()
            for cellule in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", ligne, re.S)
        ]
        for ligne in re.findall(r"<tr>(.*?)</tr>", tableau.group(1), re.S)
    ]


def _deposer(client, contenu: bytes, nom: str = "plan.xlsx"):
    return client.post(reverse("import_classeur"), {"fichier": SimpleUploadedFile(nom, contenu)})


def _dernier() -> ImportClasseur:
    return ImportClasseur.objects.latest("pk")


def _confirmer(client, record: ImportClasseur, **donnees):
    return client.post(
        reverse("import", args=[record.pk]), {"jeton": record.jeton, "confirmer": "", **donnees}
    )


def _statut_de_2_3_2(plan) -> str:  # noqa: F811
    return Action.objects.du_projet(plan).au_code(2, 3, 2).get().statut


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def test_an_agent_previews_then_confirms_and_the_history_names_the_import(
    client_agent,
    agent,
    plan,  # noqa: F811
):
    avant = exporter_classeur(plan)
    modifie = _modifier(avant, "Actions", "2.3.2", "Statut", "Réalisée")
    ligne = _ligne(_ouvrir(avant)["Actions"], "2.3.2")

    reponse = _deposer(client_agent, modifie, "plan modifié.xlsx")

    record = _dernier()
    assert reponse.status_code == 302 and reponse["Location"] == reverse("import", args=[record.pk])
    assert record.statut == Statut.PREVISUALISE and record.par == agent
    assert record.nom_du_fichier == "plan modifié.xlsx"
    assert bytes(record.contenu) == modifie
    assert record.empreinte_du_fichier == hashlib.sha256(modifie).hexdigest()
    assert client_agent.session[CLE_DE_SESSION] == record.jeton
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "Rien n'a encore été enregistré" in page
    assert "Lignes à modifier" in page
    assert _lignes(page, "lignes-modifiees") == [["Actions", str(ligne), "2.3.2", "Statut"]]
    assert "Confirmer l'import" in page
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)  # the preview wrote nothing

    reponse = _confirmer(client_agent, record)

    assert reponse.status_code == 302
    record.refresh_from_db()
    assert record.statut == Statut.ENREGISTRE
    assert (record.creees, record.modifiees) == (0, 1)
    assert record.contenu is None and record.termine_le is not None
    assert CLE_DE_SESSION not in client_agent.session
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    assert action.statut == StatutAction.REALISEE
    historique = action.history.latest()
    assert historique.history_change_reason == (
        f"Import du classeur n° {record.pk} (feuille « Actions », ligne {ligne})"
    )
    assert historique.history_user == agent
    page = client_agent.get(reponse["Location"]).content.decode()
    assert f"Import n° {record.pk} enregistré : 0 ligne créée, 1 ligne modifiée." in page
    assert "Confirmer l'import" not in page
    liste = client_agent.get(reverse("imports")).content.decode()
    assert "plan modifié.xlsx" in liste and "Enregistré" in liste
    assert agent.get_full_name() or agent.get_username() in liste


def test_the_confirmation_reads_the_previewed_file_not_one_sent_with_it(
    client_agent,
    plan,  # noqa: F811
):
    avant = exporter_classeur(plan)
    _deposer(client_agent, _modifier(avant, "Actions", "2.3.2", "Statut", "Réalisée"))
    autre = _modifier(avant, "Actions", "2.3.2", "Statut", "Abandonnée")

    _confirmer(
        client_agent,
        _dernier(),
        fichier=SimpleUploadedFile("autre.xlsx", autre),
        import_file_name="../../etc/passwd",
    )

    assert _statut_de_2_3_2(plan) == StatutAction.REALISEE


def test_a_plan_changed_since_the_preview_is_previewed_again_not_imported(
    client_agent,
    agent,
    plan,  # noqa: F811
):
    avant = exporter_classeur(plan)
    _deposer(client_agent, _modifier(avant, "Actions", "2.3.2", "Statut", "Réalisée"))
    record = _dernier()
    # A colleague changes another fiche meanwhile; the workbook still holds its old title.
    collegue = Action.objects.du_projet(plan).au_code(2, 4, 1).get()
    collegue.intitule = "Repas des aînés de printemps"
    collegue.save()

    reponse = _confirmer(client_agent, record)

    record.refresh_from_db()
    assert record.statut == Statut.PREVISUALISE  # a new preview, to confirm again
    assert _statut_de_2_3_2(plan) != StatutAction.REALISEE
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "Le plan a été modifié depuis la prévisualisation" in page
    # The new preview shows the colleague's change would be undone by this file.
    assert ["Actions", "4", "2.4.1", "Intitulé"] in _lignes(page, "lignes-modifiees")
    assert record.modifiees == 2

    _confirmer(client_agent, record)

    record.refresh_from_db()
    assert record.statut == Statut.ENREGISTRE
    assert _statut_de_2_3_2(plan) == StatutAction.REALISEE


def test_only_the_session_that_previewed_confirms(client, agent, plan):  # noqa: F811
    client.force_login(agent)
    _deposer(client, _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Statut", "Réalisée"))
    record = _dernier()
    from django.test import Client

    for autre in (AgentFactory(), agent):  # another agent, the same agent elsewhere
        ailleurs = Client()
        ailleurs.force_login(autre)
        page = ailleurs.get(reverse("import", args=[record.pk])).content.decode()
        assert "Confirmer l'import" not in page
        assert "attend la confirmation" in page

        reponse = _confirmer(ailleurs, record)

        page = ailleurs.get(reponse["Location"]).content.decode()
        assert "n&#x27;attend plus de confirmation" in page
        record.refresh_from_db()
        assert record.statut == Statut.PREVISUALISE
        assert _statut_de_2_3_2(plan) != StatutAction.REALISEE

    # A wrong jeton from the right session is refused too.
    client.post(reverse("import", args=[record.pk]), {"jeton": "x" * 43, "confirmer": ""})
    assert _dernier().statut == Statut.PREVISUALISE


def test_a_second_confirmation_does_nothing_more(client_agent, plan):  # noqa: F811
    _deposer(
        client_agent,
        _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Statut", "Réalisée"),
    )
    record = _dernier()
    _confirmer(client_agent, record)
    nombre = Action.history.count()

    reponse = _confirmer(client_agent, record)

    assert "n&#x27;attend plus" in client_agent.get(reponse["Location"]).content.decode()
    assert Action.history.count() == nombre


def test_abandoning_a_preview_writes_nothing_and_drops_the_file(client_agent, plan):  # noqa: F811
    avant = exporter_classeur(plan)
    _deposer(client_agent, _modifier(avant, "Actions", "2.3.2", "Statut", "Réalisée"))
    record = _dernier()

    reponse = client_agent.post(
        reverse("import", args=[record.pk]), {"jeton": record.jeton, "abandonner": ""}
    )

    assert reponse["Location"] == reverse("import_classeur")
    record.refresh_from_db()
    assert record.statut == Statut.ABANDONNE and record.contenu is None
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)
    assert (
        "abandonné : rien n&#x27;a été enregistré"
        in client_agent.get(reponse["Location"]).content.decode()
    )


def test_a_new_upload_replaces_the_preview_waiting(client_agent, plan):  # noqa: F811
    avant = exporter_classeur(plan)
    _deposer(client_agent, _modifier(avant, "Actions", "2.3.2", "Statut", "Réalisée"))
    premier = _dernier()
    page = client_agent.get(reverse("import_classeur")).content.decode()
    assert f"L'import n° {premier.pk}" in page and "attend votre confirmation" in page

    _deposer(client_agent, avant)

    premier.refresh_from_db()
    assert premier.statut == Statut.ABANDONNE and premier.contenu is None
    assert client_agent.session[CLE_DE_SESSION] == _dernier().jeton


def test_a_preview_left_for_a_day_is_abandoned(client_agent, plan):  # noqa: F811
    avant = exporter_classeur(plan)
    _deposer(client_agent, avant)
    vieux = _dernier()
    ImportClasseur.objects.filter(pk=vieux.pk).update(
        cree_le=timezone.now() - datetime.timedelta(hours=25)
    )
    client_agent.logout()  # the session is gone: only the purge drops the file
    client_agent.force_login(AgentFactory())

    _deposer(client_agent, avant)

    vieux.refresh_from_db()
    assert vieux.statut == Statut.ABANDONNE and vieux.contenu is None
    assert "24 heures" in vieux.motif


def test_a_workbook_with_a_bad_cell_is_refused_with_its_errors_and_nothing_kept(
    client_agent,
    plan,  # noqa: F811
):
    avant = exporter_classeur(plan)
    ligne = _ligne(_ouvrir(avant)["Actions"], "2.4.1")

    reponse = _deposer(client_agent, _modifier(avant, "Actions", "2.4.1", "Échéance", "demain"))

    record = _dernier()
    assert record.statut == Statut.REFUSE and record.erreurs == 1
    assert record.contenu is None
    assert CLE_DE_SESSION not in client_agent.session
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "Import refusé : 1 erreur" in page
    assert "Erreurs à corriger (1)" in page
    [erreur] = _lignes(page, "erreurs-import")
    assert erreur[:4] == ["Actions", str(ligne), "Échéance", "« demain »"]
    assert "« demain »" in page and "JJ/MM/AAAA" in page
    assert "Confirmer l'import" not in page
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)


@pytest.mark.parametrize(
    ("contenu", "nom", "attendu"),
    [
        (b"Compte rendu de la reunion\n", "notes.xlsx", "en-têtes d&#x27;aucune feuille"),
        (b"%PDF-1.7\n", "plan.pdf", "n&#x27;est pas un classeur Excel"),
        (b"PK\x03\x04 tronque", "plan.xlsx", "endommagé"),
    ],
)
def test_a_file_that_is_not_a_workbook_gets_a_french_refusal(
    client_agent,
    plan,  # noqa: F811
    contenu,
    nom,
    attendu,
):
    reponse = _deposer(client_agent, contenu, nom)

    assert _dernier().statut == Statut.REFUSE
    assert attendu in client_agent.get(reponse["Location"]).content.decode()


def test_a_file_over_the_limit_is_refused_and_not_kept(client_agent, plan, settings):  # noqa: F811
    settings.IMPORT_TAILLE_MAX = 1024 * 1024
    reponse = _deposer(client_agent, b"PK\x03\x04" + b"0" * (2 * 1024 * 1024))

    record = _dernier()
    assert record.statut == Statut.REFUSE and record.contenu is None
    assert record.taille == 2 * 1024 * 1024 + 4
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "dépasse la taille maximale de 1 Mo" in page


def test_no_file_keeps_the_page_with_a_french_error(client_agent, plan):  # noqa: F811
    reponse = client_agent.post(reverse("import_classeur"), {})

    assert reponse.status_code == 200
    assert "Choisissez le classeur à importer." in reponse.content.decode()
    assert 'aria-invalid="true"' in reponse.content.decode()
    assert not ImportClasseur.objects.exists()


def test_the_plan_page_offers_the_import_to_agents_only(client, agent, elu, plan):  # noqa: F811
    client.force_login(elu)
    assert reverse("import_classeur") not in client.get(reverse("axes:plan")).content.decode()
    assert client.get(reverse("import_classeur")).status_code == 403
    client.force_login(agent)
    assert reverse("import_classeur") in client.get(reverse("axes:plan")).content.decode()


def test_the_command_records_its_import_too(plan, tmp_path, agent):  # noqa: F811
    chemin = tmp_path / "plan.xlsx"
    chemin.write_bytes(_modifier(exporter_classeur(plan), "Actions", "2.3.2", "Statut", "Réalisée"))

    sortie = io.StringIO()
    call_command("importer_projet", str(chemin), "--utilisateur", agent.username, stdout=sortie)

    record = _dernier()
    assert record.origine == ImportClasseur.Origine.COMMANDE
    assert (record.statut, record.par, record.modifiees) == (Statut.ENREGISTRE, agent, 1)
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    assert action.history.latest().history_change_reason.startswith(
        f"Import du classeur n° {record.pk} (feuille"
    )
    # A dry run is a check, not an import: not recorded.
    call_command("importer_projet", str(chemin), "--dry-run", stdout=io.StringIO())
    assert ImportClasseur.objects.count() == 1


def test_a_22_mb_csv_is_refused_at_once_with_the_default_limit(client_agent, plan):  # noqa: F811
    ligne = "2.3.2;" + "x" * 1000 + "\r\n"
    contenu = ("Code;Intitulé\r\n" + ligne * (23 * 1024)).encode()
    assert len(contenu) > 22 * 1024 * 1024

    reponse = _deposer(client_agent, contenu, "enorme.csv")

    record = _dernier()
    assert record.statut == Statut.REFUSE and record.contenu is None
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "Le fichier pèse 22,6 Mo" in page and "taille maximale de 10 Mo" in page
