"""One sheet of the workbook as CSV: its download from the plan page, and its import (the
same engine as the workbook's, that one sheet only), whatever the separator and encoding a
French spreadsheet writes."""

import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action, Partenaire
from axes.models import ProjetSocial
from projet_social.classeur import importer_classeur
from projet_social.classeur.export import exporter_feuille_csv, slug_de
from projet_social.classeur.feuilles import ACTIONS, FEUILLES, PARTENAIRES
from projet_social.models import ImportClasseur
from tests.test_classeur import _bilans, plan  # noqa: F401
from tests.test_demo import _charger

pytestmark = pytest.mark.django_db


def _lignes(contenu: bytes) -> list[list[str]]:
    assert contenu.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(contenu[3:].decode("utf-8")), delimiter=";"))


def _ecrire(lignes: list[list[str]], separateur: str = ";", encodage: str = "utf-8-sig") -> bytes:
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=separateur, lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode(encodage)


def _changer(lignes, cle: str, entete: str, valeur: str) -> list[list[str]]:
    colonne = lignes[0].index(entete)
    for ligne in lignes[1:]:
        if ligne[0] == cle:
            ligne[colonne] = valeur
            return lignes
    raise LookupError(cle)


def test_every_sheet_of_the_demo_downloads_as_csv_and_reads_back_unchanged(client, settings):
    _charger(settings)
    projet = ProjetSocial.objects.get()
    from tests.factories_utilisateurs import EluFactory

    client.force_login(EluFactory())
    page = client.get(reverse("axes:plan")).content.decode()
    for feuille in FEUILLES:
        url = reverse("export_feuille", args=[slug_de(feuille)])
        assert url in page
        reponse = client.get(url)
        assert reponse.status_code == 200
        assert reponse["Content-Type"].startswith("text/csv")
        lignes = _lignes(reponse.content)
        assert lignes[0] == feuille.entetes and len(lignes) > 1

        rapport = importer_classeur(reponse.content, projet, None, dry_run=True)

        assert not rapport.refuse, rapport.texte()
        assert list(rapport.feuilles) == [feuille.nom]  # that sheet only
        assert _bilans(rapport)[feuille.nom] == (0, 0, len(lignes) - 1)
    assert client.get(reverse("export_feuille", args=["inconnue"])).status_code == 404


def test_a_cell_edited_in_the_csv_updates_that_row_only(plan, agent):  # noqa: F811
    lignes = _lignes(exporter_feuille_csv(plan, ACTIONS))
    contenu = _ecrire(_changer(lignes, "2.3.2", "Intitulé", "Café des aidants du jeudi"))

    rapport = importer_classeur(contenu, plan, agent)

    assert rapport.enregistre, rapport.texte()
    assert _bilans(rapport) == {"Actions": (0, 1, 2)}
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    assert action.intitule == "Café des aidants du jeudi"
    assert action.history.latest().history_change_reason.startswith(
        "Import du classeur (feuille « Actions », ligne 3)"
    )


def test_a_windows_1252_csv_with_commas_is_read(plan, agent):  # noqa: F811
    lignes = _changer(
        _lignes(exporter_feuille_csv(plan, ACTIONS)), "2.4.1", "Intitulé", "Repas des aînés – été"
    )

    rapport = importer_classeur(_ecrire(lignes, ",", "cp1252"), plan, agent)

    assert rapport.enregistre, rapport.texte()
    assert "séparateur « , »" in " ".join(rapport.avertissements)
    assert Action.objects.du_projet(plan).au_code(2, 4, 1).get().intitule == (
        "Repas des aînés – été"
    )


def test_a_partner_csv_matches_names_whatever_the_case_and_accents(plan):  # noqa: F811
    lignes = _changer(
        _lignes(exporter_feuille_csv(plan, PARTENAIRES)),
        "CAF du Finistère",
        "Nom",
        "CAF DU FINISTERE",
    )
    _changer(lignes, "CAF DU FINISTERE", "Contact", "Accueil familles")

    rapport = importer_classeur(_ecrire(lignes), plan, None)

    assert rapport.enregistre, rapport.texte()
    partenaire = Partenaire.objects.get()
    assert (partenaire.nom, partenaire.contact) == ("CAF du Finistère", "Accueil familles")


def test_a_formula_text_is_neutralised_in_the_csv_and_reads_back_identical(plan):  # noqa: F811
    action = Action.objects.du_projet(plan).au_code(2, 3, 1).get()
    action.intitule = '=HYPERLINK("http://x";"clic")'
    action.description = "-2+3\r\n@SUM(1)\tfin _x000D_ littéral"
    action.save()
    contenu = exporter_feuille_csv(plan, ACTIONS)
    lignes = _lignes(contenu)
    colonne = lignes[0].index("Intitulé")
    assert [ligne[colonne] for ligne in lignes if ligne[0] == "2.3.1"] == [
        '\'=HYPERLINK("http://x";"clic")'
    ]

    rapport = importer_classeur(contenu, plan, None, dry_run=True)

    assert not rapport.refuse and _bilans(rapport)["Actions"] == (0, 0, 3), rapport.texte()


@pytest.mark.parametrize(
    "contenu",
    ["Code;Intitul\x8e\n".encode("latin-1"), b"Code;Intitul\x81\n"],
    ids=["caractere-improbable", "octet-indefini"],
)
def test_an_unsure_encoding_is_refused_in_french(plan, contenu):  # noqa: F811
    rapport = importer_classeur(contenu, plan, None)

    assert [e.message for e in rapport.erreurs] == [
        "L'encodage de ce fichier CSV n'est pas reconnu (ni UTF-8, ni Windows-1252) : dans votre "
        "tableur, enregistrez-le au format « CSV UTF-8 (délimité par des points-virgules) », ou "
        "mieux au format « Classeur Excel (.xlsx) », puis importez-le."
    ]


def test_a_csv_missing_columns_names_them(plan):  # noqa: F811
    lignes = [ligne[:3] for ligne in _lignes(exporter_feuille_csv(plan, ACTIONS))]

    rapport = importer_classeur(_ecrire(lignes), plan, None)

    assert rapport.refuse
    assert {e.colonne for e in rapport.erreurs} == set(ACTIONS.entetes[3:])
    assert all(e.feuille == "Actions" and e.ligne == 1 for e in rapport.erreurs)


def test_a_csv_imports_through_the_browser(client, agent, plan):  # noqa: F811
    client.force_login(agent)
    lignes = _changer(_lignes(exporter_feuille_csv(plan, ACTIONS)), "2.3.2", "Priorité", "Haute")
    client.post(
        reverse("import_classeur"),
        {"fichier": SimpleUploadedFile("actions.csv", _ecrire(lignes))},
    )
    record = ImportClasseur.objects.get()
    assert record.statut == ImportClasseur.Statut.PREVISUALISE
    page = client.get(reverse("import", args=[record.pk])).content.decode()
    assert "lu comme la feuille « Actions »" in page

    client.post(reverse("import", args=[record.pk]), {"jeton": record.jeton, "confirmer": ""})

    assert Action.objects.du_projet(plan).au_code(2, 3, 2).get().priorite == "haute"
