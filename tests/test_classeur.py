"""The whole-plan workbook: its export, its template, its import and the two commands."""

import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.validators import EmailValidator
from django.db import IntegrityError
from django.db.models import F
from openpyxl import Workbook, load_workbook

from actions.enums import NatureBudget, RolePartenaire, StatutAction
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from evaluations.models import Campagne, Evaluation, Mesure, Reunion
from projet_social.classeur import exporter_classeur, importer_classeur, lecture, modele_classeur
from projet_social.classeur.feuilles import FEUILLES
from projet_social.classeur.rapport import Modification
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
    PublicCibleFactory,
)
from tests.axes.factories import AxeFactory, BesoinSocialFactory, ObjectifFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
from tests.test_demo import _charger

pytestmark = pytest.mark.django_db

# The empty template encrypted with the password "secret", as Excel does it (written by
# msoffcrypto-tool: OOXML inside an OLE compound file).
CLASSEUR_PROTEGE = (Path(__file__).parent / "fichiers" / "classeur_protege.xlsx").read_bytes()
NOMS_DES_FEUILLES = [
    "Lisez-moi",
    "Axes",
    "Objectifs",
    "Actions",
    "Partenaires",
    "Indicateurs",
    "Étapes",
    "Budget",
    "Évaluations",
    "Mesures",
    "Besoins ABS",
    "Listes",
]


# --- Reading and editing workbooks in the tests ------------------------------------------------


def _ouvrir(contenu: bytes) -> Workbook:
    return load_workbook(io.BytesIO(contenu))


def _enregistrer(classeur: Workbook) -> bytes:
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def _cellules(contenu: bytes) -> dict[str, list[tuple]]:
    """Every cell value of every sheet."""
    classeur = _ouvrir(contenu)
    return {
        feuille.title: list(feuille.iter_rows(values_only=True)) for feuille in classeur.worksheets
    }


def _colonne(feuille, entete: str) -> int:
    return [cellule.value for cellule in feuille[1]].index(entete) + 1


def _ligne(feuille, valeur, entete: str | None = None) -> int:
    """The row whose key column (the first, or ``entete``) holds ``valeur``."""
    colonne = _colonne(feuille, entete) if entete else 1
    for (cellule,) in feuille.iter_rows(min_row=2, min_col=colonne, max_col=colonne):
        if cellule.value == valeur:
            return cellule.row
    raise LookupError(valeur)


def _modifier(contenu: bytes, feuille: str, cle, entete: str, valeur) -> bytes:
    """``contenu`` with the cell ``entete`` of the row keyed ``cle`` set to ``valeur``."""
    classeur = _ouvrir(contenu)
    ws = classeur[feuille]
    ws.cell(row=_ligne(ws, cle), column=_colonne(ws, entete)).value = valeur
    return _enregistrer(classeur)


def _ajouter(feuille, valeurs: dict) -> int:
    """Append a row given as {header: value}; returns its number."""
    entetes = [cellule.value for cellule in feuille[1]]
    inconnues = set(valeurs) - set(entetes)
    assert not inconnues, inconnues
    feuille.append([valeurs.get(entete) for entete in entetes])
    return feuille.max_row


def _bilans(rapport) -> dict[str, tuple[int, int, int]]:
    """{sheet: (created, updated, unchanged)}."""
    return {
        nom: (bilan.creees, len(bilan.modifiees), bilan.inchangees)
        for nom, bilan in rapport.feuilles.items()
    }


def _tout_inchange(rapport, sauf: str | None = None) -> bool:
    return all(
        creees == 0 and modifiees == 0
        for nom, (creees, modifiees, _) in _bilans(rapport).items()
        if nom != sauf
    )


# --- A small plan -------------------------------------------------------------------------------


@pytest.fixture
def plan(projet, agent):
    """Axe 2 with objectives 2.3 and 2.4, three fiches (2.3.1, 2.3.2, 2.4.1) with a partner, an
    indicator, a step, a budget line; an open 2025 review with an evaluation and a measure;
    an ABS need."""
    axe = AxeFactory(projet=projet, numero=2, intitule="Lien social", couleur="#7a3e9d")
    o23 = ObjectifFactory(axe=axe, numero=3, intitule="Rompre l'isolement")
    o24 = ObjectifFactory(axe=axe, numero=4, intitule="Favoriser les rencontres")
    a231 = ActionFactory(objectif=o23, numero=1, intitule="Visites de convivialité", pilote=agent)
    ActionFactory(objectif=o23, numero=2, intitule="Café des aidants")
    ActionFactory(objectif=o24, numero=1, intitule="Repas des aînés")
    caf = PartenaireFactory(nom="CAF du Finistère")
    ActionPartenaireFactory(action=a231, partenaire=caf, role=RolePartenaire.FINANCEUR)
    indicateur = IndicateurFactory(action=a231, libelle="Personnes visitées", valeur_cible=40)
    EtapeFactory(action=a231, libelle="Recruter les bénévoles", echeance=datetime.date(2025, 3, 1))
    LigneBudgetFactory(action=a231, annee=2025, montant_prevu=Decimal("1500"), financeur=caf)
    campagne = CampagneFactory(projet=projet, annee=2025)
    evaluation = EvaluationFactory(campagne=campagne, action=a231)
    MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=Decimal("25"))
    besoin = BesoinSocialFactory(projet=projet, thematique="Isolement")
    a231.besoins.add(besoin)
    return projet


# --- The workbook -----------------------------------------------------------------------------


def test_the_export_has_a_sheet_per_kind_with_lists_dates_and_frozen_headers(plan):
    classeur = _ouvrir(exporter_classeur(plan))

    assert classeur.sheetnames == NOMS_DES_FEUILLES
    assert classeur["Listes"].sheet_state == "hidden"
    actions = classeur["Actions"]
    assert [c.value for c in actions[1]][:4] == ["Code", "Objectif", "Intitulé", "Statut"]
    assert all(cellule.font.bold for cellule in actions[1])
    assert actions.freeze_panes == "B2"
    assert actions.column_dimensions["C"].width >= 40
    # Statut: a drop-down of the French labels, kept on the hidden sheet.
    statut = _colonne(actions, "Statut")
    lettre = actions.cell(row=1, column=statut).column_letter
    validation = next(
        v for v in actions.data_validations.dataValidation if f"{lettre}2" in str(v.sqref)
    )
    assert validation.type == "list"
    plage = validation.formula1.split("!")[1].replace("$", "")
    valeurs = [c.value for (c,) in classeur["Listes"][plage]]
    assert valeurs == ["À lancer", "En cours", "Réalisée", "Reportée", "Abandonnée"]
    # The row of 2.3.1: its label, a real date, its partner with its role.
    ligne = _ligne(actions, "2.3.1")
    action = Action.objects.get(intitule="Visites de convivialité")
    assert actions.cell(row=ligne, column=statut).value == action.get_statut_display()
    echeance = actions.cell(row=ligne, column=_colonne(actions, "Échéance"))
    assert echeance.is_date and echeance.value.date() == action.echeance
    partenaires = actions.cell(row=ligne, column=_colonne(actions, "Partenaires (rôle)"))
    assert partenaires.value == "CAF du Finistère (Financeur)"
    # The Lisez-moi names every sheet and every column.
    lisez_moi = [ligne for ligne in classeur["Lisez-moi"].iter_rows(values_only=True)]
    decrites = {(ligne[0], ligne[1]) for ligne in lisez_moi if ligne[1]}
    for feuille in FEUILLES:
        for entete in feuille.entetes:
            assert (feuille.nom, entete) in decrites


def test_the_export_and_an_unchanged_import_read_a_fixed_number_of_queries(
    plan, agent, django_assert_num_queries
):
    """Whatever the plan's size: more fiches, with their rows, add no query."""
    for numero in range(3, 8):
        action = ActionFactory(objectif=Objectif.objects.get(numero=3), numero=numero)
        action.publics.add(PublicCibleFactory())
        IndicateurFactory(action=action)
        EtapeFactory(action=action)
        ActionPartenaireFactory(action=action, partenaire=Partenaire.objects.get())
    # Axes, objectives, actions (and their publics, needs, partners: 3), partners,
    # indicators, steps, budget lines, evaluations, measures, ABS needs.
    with django_assert_num_queries(13):
        contenu = exporter_classeur(plan)
    # The same rows read once (partners, publics, needs, axes, objectives, actions and their
    # publics, needs and partners: 3, indicators, steps, budget lines, reviews, evaluations,
    # measures), in the import's transaction (a savepoint in the test's: 3).
    with django_assert_num_queries(18):
        rapport = importer_classeur(contenu, plan, agent, dry_run=True)
    assert _tout_inchange(rapport), rapport.texte()


def test_the_template_has_the_sheets_headers_and_lists_and_no_rows(plan):
    modele = _ouvrir(modele_classeur())
    export = _ouvrir(exporter_classeur(plan))

    assert modele.sheetnames == NOMS_DES_FEUILLES
    for feuille in FEUILLES:
        ws = modele[feuille.nom]
        assert [c.value for c in ws[1]] == feuille.entetes
        assert ws.max_row == 1
        assert len(ws.data_validations.dataValidation) == len(
            export[feuille.nom].data_validations.dataValidation
        )
    assert modele["Lisez-moi"].max_row > 50


def test_a_text_that_starts_a_formula_is_written_quoted_and_read_back(plan):
    action = Action.objects.get(intitule="Café des aidants")
    action.description = '=HYPERLINK("http://x")\r\nsuite'
    action.save()
    contenu = exporter_classeur(plan)

    ws = _ouvrir(contenu)["Actions"]
    cellule = ws.cell(row=_ligne(ws, "2.3.2"), column=_colonne(ws, "Description"))
    assert cellule.data_type == "s"
    assert cellule.value.startswith("'=HYPERLINK")
    rapport = importer_classeur(contenu, plan, None)
    assert rapport.enregistre and _tout_inchange(rapport)


# --- Round trips --------------------------------------------------------------------------------


def _vider_la_base() -> None:
    """Every row of every plan (user accounts stay: the workbook names them)."""
    for model in (
        Mesure,
        Evaluation,
        Reunion,
        Campagne,
        ActionPartenaire,
        LigneBudget,
        Etape,
        Indicateur,
        Action,
        Objectif,
        Axe,
        BesoinSocial,
        Partenaire,
        PublicCible,
        ProjetSocial,
    ):
        model.objects.all().delete()


def test_the_demo_exported_imported_into_an_empty_database_exports_the_same(settings):
    _charger(settings)
    demo = ProjetSocial.objects.get()
    contenu = exporter_classeur(demo)
    champs = {
        champ: getattr(demo, champ)
        for champ in ("intitule", "structure", "annee_debut", "annee_fin", "statut")
    }
    nombres = {model: model.objects.count() for model in (Action, Indicateur, Etape, Mesure)}
    from django.contrib.auth import get_user_model

    agent = get_user_model().objects.get(username="agent")
    _vider_la_base()
    projet = ProjetSocial.objects.create(**champs)

    rapport = importer_classeur(contenu, projet, agent)

    assert rapport.enregistre, rapport.texte()
    assert {model: model.objects.count() for model in nombres} == nombres
    assert _cellules(exporter_classeur(projet)) == _cellules(contenu)
    # Re-importing what was just imported changes nothing.
    rapport = importer_classeur(contenu, projet, agent)
    assert rapport.enregistre and _tout_inchange(rapport), rapport.texte()


def test_a_filled_template_imports_in_one_go(projet, agent):
    classeur = _ouvrir(modele_classeur())
    for numero, intitule in ((1, "Accompagnement"), (2, "Lien social")):
        _ajouter(classeur["Axes"], {"Numéro": numero, "Intitulé": intitule})
    for code in ("1.1", "1.2", "2.1", "2.2"):
        _ajouter(classeur["Objectifs"], {"Code": code, "Intitulé": f"Objectif {code}"})
    for code in ("1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2", "2.2.1"):
        _ajouter(
            classeur["Actions"],
            {
                "Code": code,
                "Objectif": code[:3],
                "Intitulé": f"Action {code}",
                "Statut": "en cours",
                "Échéance": "31/12/2026",
                "Pilote (identifiant)": agent.username,
                "Partenaires (rôle)": "Banque alimentaire (Co-pilote)" if code == "2.1.1" else None,
                "Publics cibles": "Personnes âgées ; Familles monoparentales",
            },
        )
    _ajouter(classeur["Partenaires"], {"Nom": "Banque alimentaire", "Type": "Association"})
    _ajouter(
        classeur["Indicateurs"],
        {"Action": "2.1.1", "Libellé": "Familles aidées", "Valeur cible": 120, "Type": "Résultat"},
    )
    _ajouter(
        classeur["Étapes"],
        {"Action": "2.1.1", "Libellé": "Convention signée", "Échéance": datetime.date(2025, 6, 1)},
    )
    _ajouter(
        classeur["Budget"],
        {
            "Action": "2.1.1",
            "Année": 2025,
            "Nature": "Fonctionnement",
            "Montant prévu (€)": "1 500,50",
            "Financeur": "banque ALIMENTAIRE",
        },
    )

    rapport = importer_classeur(_enregistrer(classeur), projet, agent)

    assert rapport.enregistre, rapport.texte()
    assert _bilans(rapport)["Actions"] == (6, 0, 0)
    assert _bilans(rapport)["Objectifs"] == (4, 0, 0)
    action = Action.objects.du_projet(projet).au_code(2, 1, 1).get()
    assert action.statut == StatutAction.EN_COURS
    assert action.echeance == datetime.date(2026, 12, 31)
    assert action.pilote == agent and action.created_by == agent
    assert action.participations.get().role == RolePartenaire.CO_PILOTE
    assert sorted(action.publics.values_list("libelle", flat=True)) == [
        "Familles monoparentales",
        "Personnes âgées",
    ]
    ligne = action.lignes_budget.get()
    assert (ligne.montant_prevu, ligne.financeur.nom) == (Decimal("1500.50"), "Banque alimentaire")
    assert ligne.nature == NatureBudget.FONCTIONNEMENT
    assert action.indicateurs.get().valeur_cible == 120
    assert action.etapes.get().echeance == datetime.date(2025, 6, 1)
    assert Action.objects.du_projet(projet).count() == 6
    # The two publics were added to the list, and the report says so.
    assert sum("Public cible" in a for a in rapport.avertissements) == 2


def test_editing_one_cell_updates_that_row_only_and_the_history_says_so(plan, agent):
    contenu = exporter_classeur(plan)
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    version = action.version
    modifie = _modifier(contenu, "Actions", "2.3.2", "Statut", "Réalisée")

    rapport = importer_classeur(modifie, plan, agent)

    assert rapport.enregistre, rapport.texte()
    ligne = _ligne(_ouvrir(contenu)["Actions"], "2.3.2")
    assert rapport.feuilles["Actions"].modifiees == [Modification(ligne, "2.3.2", ("Statut",))]
    nombre = Action.objects.du_projet(plan).count()
    assert _bilans(rapport)["Actions"] == (0, 1, nombre - 1)
    assert _tout_inchange(rapport, sauf="Actions")
    action.refresh_from_db()
    assert action.statut == StatutAction.REALISEE
    assert action.version == version + 1
    assert action.updated_by == agent
    derniere = action.history.latest()
    assert (
        derniere.history_change_reason == f"Import du classeur (feuille « Actions », ligne {ligne})"
    )
    assert derniere.history_user == agent


def test_a_partner_is_matched_by_name_whatever_the_case_and_accents(plan):
    contenu = _modifier(
        exporter_classeur(plan), "Partenaires", "CAF du Finistère", "Nom", "caf DU finistere"
    )
    contenu = _modifier(contenu, "Partenaires", "caf DU finistere", "Contact", "Accueil")

    rapport = importer_classeur(contenu, plan, None)

    assert rapport.enregistre, rapport.texte()
    assert _bilans(rapport)["Partenaires"] == (0, 1, 0)
    partenaire = Partenaire.objects.get()
    assert (partenaire.nom, partenaire.contact) == ("CAF du Finistère", "Accueil")


def test_a_workbook_with_one_bad_cell_imports_nothing_and_names_the_cell(plan):
    avant = exporter_classeur(plan)
    classeur = _ouvrir(avant)
    actions = classeur["Actions"]
    for ligne in range(2, actions.max_row + 1):  # valid changes on every row…
        actions.cell(row=ligne, column=_colonne(actions, "Intitulé")).value = f"Changé {ligne}"
    _ajouter(classeur["Axes"], {"Numéro": 7, "Intitulé": "Nouvel axe"})
    ligne = _ligne(actions, "2.4.1")  # …and one bad date
    actions.cell(row=ligne, column=_colonne(actions, "Échéance")).value = "demain"

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert rapport.refuse and not rapport.enregistre
    assert [(e.feuille, e.ligne, e.colonne, e.valeur) for e in rapport.erreurs] == [
        ("Actions", ligne, "Échéance", "demain")
    ]
    assert "JJ/MM/AAAA" in rapport.erreurs[0].message
    texte = str(rapport.erreurs[0])
    assert texte.startswith(
        f"Feuille « Actions », ligne {ligne}, colonne « Échéance » : valeur « demain »"
    )
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)


def test_a_dry_run_reports_and_writes_nothing(plan):
    avant = exporter_classeur(plan)
    modifie = _modifier(avant, "Actions", "2.3.2", "Intitulé", "Café des aidants du jeudi")

    rapport = importer_classeur(modifie, plan, None, dry_run=True)

    assert rapport.simulation and not rapport.refuse and not rapport.enregistre
    assert _bilans(rapport)["Actions"][1] == 1
    assert "Simulation" in rapport.texte()
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)


# --- Bad input ----------------------------------------------------------------------------------


def _seule_erreur(rapport):
    assert rapport.refuse, rapport.texte()
    assert len(rapport.erreurs) == 1, rapport.texte()
    return rapport.erreurs[0]


def _xlsx_zip(fichiers: dict[str, bytes]) -> bytes:
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom, contenu in fichiers.items():
            archive.writestr(nom, contenu)
    return sortie.getvalue()


@pytest.mark.parametrize(
    ("contenu", "attendu"),
    [
        (b"", "Le fichier est vide."),
        (b"Bonjour,\nvoici le plan.\n", "les en-têtes d'aucune feuille du classeur"),
        (b"%PDF-1.7\n%\xe2\xe3\n", "n'est pas un classeur Excel (.xlsx)"),
        (lecture.SIGNATURE_OLE + b"\0" * 600 + "Workbook".encode("utf-16-le"), "97-2003 (.xls)"),
        (CLASSEUR_PROTEGE, "protégé par un mot de passe"),
        (
            _xlsx_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "OpenDocument (.ods)",
        ),
        (b"PK\x03\x04 tronque", "endommagé"),
    ],
    ids=["vide", "texte", "pdf", "xls", "mot-de-passe", "ods", "zip-tronque"],
)
def test_a_file_that_is_not_a_readable_xlsx_is_refused_in_french(projet, contenu, attendu):
    erreur = _seule_erreur(importer_classeur(contenu, projet, None))
    assert attendu in erreur.message


def test_a_corrupt_workbook_is_refused_in_french(plan):
    contenu = exporter_classeur(plan)
    archive = zipfile.ZipFile(io.BytesIO(contenu))
    fichiers = {nom: archive.read(nom) for nom in archive.namelist()}
    fichiers["xl/workbook.xml"] = b"<workbook>pas du XML"
    erreur = _seule_erreur(importer_classeur(_xlsx_zip(fichiers), plan, None))
    assert "endommagé" in erreur.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(plan, settings, tmp_path):
    contenu = exporter_classeur(plan)
    settings.IMPORT_TAILLE_MAX = len(contenu) - 1
    chemin = tmp_path / "plan.xlsx"
    chemin.write_bytes(contenu)
    for fichier in (contenu, chemin, io.BytesIO(contenu)):
        erreur = _seule_erreur(importer_classeur(fichier, plan, None))
        assert "dépasse la taille maximale" in erreur.message
        assert "IMPORT_TAILLE_MAX" in erreur.message


def test_a_zip_bomb_is_refused(projet, settings):
    settings.IMPORT_TAILLE_MAX = 100_000
    contenu = _xlsx_zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b" " * 4_000_000,
        }
    )
    assert len(contenu) < settings.IMPORT_TAILLE_MAX
    erreur = _seule_erreur(importer_classeur(contenu, projet, None))
    assert "décompressé" in erreur.message


def test_a_sheet_over_the_row_limit_is_refused(plan, monkeypatch):
    monkeypatch.setattr(lecture, "LIGNES_MAX", 5)
    classeur = _ouvrir(exporter_classeur(plan))
    for n in range(10):
        _ajouter(classeur["Partenaires"], {"Nom": f"Partenaire {n}"})

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))

    assert (erreur.feuille, erreur.ligne) == ("Partenaires", None)
    assert erreur.message.startswith("plus de 5 lignes sous l'en-tête")


def test_missing_sheets_and_columns_are_errors_unknown_ones_warnings(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    del classeur["Étapes"]
    classeur["Actions"].delete_cols(_colonne(classeur["Actions"], "Priorité"))
    classeur["Axes"].cell(row=1, column=6, value="Remarques")
    classeur.create_sheet("Brouillon")

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert [(e.feuille, e.ligne, e.colonne) for e in rapport.erreurs] == [
        ("Actions", 1, "Priorité"),
        ("Étapes", None, None),
    ]
    assert "colonne absente" in rapport.erreurs[0].message
    assert "feuille absente" in rapport.erreurs[1].message
    assert rapport.avertissements == [
        "Feuille « Brouillon » ignorée : elle ne fait pas partie du classeur du projet social.",
        "Feuille « Axes » : colonne « Remarques » inconnue, ignorée.",
    ]


def test_empty_rows_are_skipped(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    actions.insert_rows(3, amount=2)
    actions.cell(row=3, column=3, value="   ")

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert rapport.enregistre and _tout_inchange(rapport), rapport.texte()
    assert _bilans(rapport)["Actions"] == (0, 0, 3)


def test_merged_cells_are_refused(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    ligne = _ligne(actions, "2.3.2")
    actions.merge_cells(start_row=ligne, start_column=3, end_row=ligne, end_column=4)

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))

    assert (erreur.feuille, erreur.ligne, erreur.colonne) == ("Actions", ligne, "Intitulé")
    assert f"cellules fusionnées (C{ligne}:D{ligne})" in erreur.message


def test_cell_errors_of_the_reading_and_of_the_values_are_reported_together(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    ligne = _ligne(actions, "2.3.1")
    actions.cell(row=ligne, column=_colonne(actions, "Intitulé")).value = "=A1"
    actions.cell(row=ligne + 1, column=_colonne(actions, "Statut")).value = "Terminée"

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert [(e.ligne, e.colonne) for e in rapport.erreurs] == [
        (ligne, "Intitulé"),
        (ligne + 1, "Statut"),
    ]


def test_a_formula_cell_is_refused(plan):
    contenu = _modifier(exporter_classeur(plan), "Indicateurs", "2.3.1", "Valeur cible", "=20*2")

    erreur = _seule_erreur(importer_classeur(contenu, plan, None))

    assert (erreur.feuille, erreur.colonne, erreur.valeur) == (
        "Indicateurs",
        "Valeur cible",
        "=20*2",
    )
    assert erreur.message.startswith("une formule n'est pas acceptée")


def test_a_number_where_a_date_is_expected_says_what_is_expected(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    cellule = actions.cell(row=_ligne(actions, "2.3.1"), column=_colonne(actions, "Échéance"))
    cellule.value, cellule.number_format = 45000, "General"  # a date format shows a date
    contenu = _enregistrer(classeur)

    erreur = _seule_erreur(importer_classeur(contenu, plan, None))

    assert (erreur.colonne, erreur.valeur) == ("Échéance", "45000")
    assert "un nombre n'est pas une date" in erreur.message
    assert "JJ/MM/AAAA" in erreur.message


@pytest.mark.parametrize(
    ("saisie", "date"),
    [
        ("3 mars 2026", datetime.date(2026, 3, 3)),
        ("1er août 2026", datetime.date(2026, 8, 1)),
        ("lundi 5 janv. 2026", datetime.date(2026, 1, 5)),
        ("31/12/2026", datetime.date(2026, 12, 31)),
        ("2026-12-31", datetime.date(2026, 12, 31)),
    ],
)
def test_a_date_written_in_french_is_read(plan, saisie, date):
    contenu = _modifier(exporter_classeur(plan), "Actions", "2.3.1", "Échéance", saisie)

    rapport = importer_classeur(contenu, plan, None)

    assert rapport.enregistre, rapport.texte()
    assert Action.objects.du_projet(plan).au_code(2, 3, 1).get().echeance == date


@pytest.mark.parametrize("saisie", ["En cours", "en cours", "EN COURS", "en-cours", "en_cours"])
def test_a_choice_is_read_whatever_its_case_accents_and_separators(plan, saisie):
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    action.statut = StatutAction.A_LANCER
    action.save()
    contenu = _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Statut", saisie)

    rapport = importer_classeur(contenu, plan, None)

    assert rapport.enregistre, rapport.texte()
    action.refresh_from_db()
    assert action.statut == StatutAction.EN_COURS


def test_an_empty_required_cell_is_refused(plan):
    contenu = _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Intitulé", None)

    erreur = _seule_erreur(importer_classeur(contenu, plan, None))

    assert (erreur.feuille, erreur.colonne, erreur.valeur) == ("Actions", "Intitulé", "")
    assert erreur.message == "cellule obligatoire, elle est vide."


def test_a_row_the_database_refuses_stops_the_import_and_writes_nothing(plan, monkeypatch):
    avant = exporter_classeur(plan)
    classeur = _ouvrir(avant)
    _ajouter(classeur["Axes"], {"Numéro": 5, "Intitulé": "Aller vers"})
    ligne = _ajouter(classeur["Étapes"], {"Action": "2.3.2", "Libellé": "Première réunion"})
    _ajouter(classeur["Étapes"], {"Action": "2.3.2", "Libellé": "Seconde réunion"})

    def refuser(self, *args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(Etape, "save", refuser)
    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    erreur = _seule_erreur(rapport)
    assert (erreur.feuille, erreur.ligne) == ("Étapes", ligne)
    assert "la base de données a refusé cette ligne" in erreur.message
    assert rapport.erreurs_tronquees
    assert not Axe.objects.filter(numero=5).exists()
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)


def test_a_row_changed_in_the_application_during_the_import_is_refused(plan, monkeypatch):
    contenu = _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Priorité", "Haute")
    enregistrer = Action.save_versioned

    def entre_temps(self, version, **kwargs):
        # Someone saves the fiche in the application between the import's read and its write.
        Action.objects.filter(pk=self.pk).update(version=F("version") + 1)
        return enregistrer(self, version, **kwargs)

    monkeypatch.setattr(Action, "save_versioned", entre_temps)
    erreur = _seule_erreur(importer_classeur(contenu, plan, None))

    ligne = _ligne(_ouvrir(contenu)["Actions"], "2.3.2")
    assert (erreur.feuille, erreur.ligne) == ("Actions", ligne)
    assert "modifiée dans l'application pendant l'import" in erreur.message


def test_an_unknown_choice_lists_the_labels(plan):
    contenu = _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Statut", "Terminée")

    erreur = _seule_erreur(importer_classeur(contenu, plan, None))

    assert erreur.colonne == "Statut"
    assert "« À lancer », « En cours »" in erreur.message


def test_a_duplicate_key_in_a_sheet_is_refused(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    premiere = _ligne(actions, "2.3.2")
    copie = _ajouter(actions, {"Code": "2.3.2", "Intitulé": "Doublon"})

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))

    assert (erreur.feuille, erreur.ligne, erreur.colonne) == ("Actions", copie, "Code")
    assert f"la ligne {premiere} a déjà cette clé" in erreur.message


def test_an_objective_of_a_missing_axe_is_refused_and_its_actions_not_reported_again(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    ligne = _ajouter(classeur["Objectifs"], {"Code": "9.1", "Intitulé": "Sans axe"})
    _ajouter(classeur["Actions"], {"Code": "9.1.1", "Intitulé": "Sous l'objectif sans axe"})

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))

    assert (erreur.feuille, erreur.ligne, erreur.colonne) == ("Objectifs", ligne, "Code")
    assert "l'axe 9 n'existe pas" in erreur.message


def test_an_action_whose_code_disagrees_with_its_objective_is_refused(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    ligne = _ajouter(classeur["Actions"], {"Code": "2.3.9", "Objectif": "2.4", "Intitulé": "X"})

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))

    assert (erreur.feuille, erreur.ligne, erreur.colonne, erreur.valeur) == (
        "Actions",
        ligne,
        "Objectif",
        "2.4",
    )
    assert "appartient à l'objectif 2.3" in erreur.message


def test_model_rules_are_checked_with_their_french_messages(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    ligne = _ligne(actions, "2.3.1")
    actions.cell(row=ligne, column=_colonne(actions, "Date de début"), value="01/01/2027")
    actions.cell(row=ligne, column=_colonne(actions, "Échéance"), value="01/01/2026")
    evaluations = classeur["Évaluations"]
    ligne_eval = _ligne(evaluations, "2.3.1", "Action")
    evaluations.cell(row=ligne_eval, column=_colonne(evaluations, "Statut"), value="Réalisée")
    partenaires = classeur["Partenaires"]
    partenaires.cell(row=2, column=_colonne(partenaires, "Courriel"), value="pas-un-courriel")

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert [(e.feuille, e.colonne, e.message) for e in rapport.erreurs] == [
        ("Actions", "Échéance", "La date de début doit précéder ou égaler l'échéance."),
        ("Partenaires", "Courriel", str(EmailValidator.message)),
        (
            "Évaluations",
            "Taux de réalisation (%)",
            "Une action réalisée a un taux de réalisation de 100 %.",
        ),
    ]


def test_an_unknown_account_partner_or_need_is_refused(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    actions = classeur["Actions"]
    ligne = _ligne(actions, "2.3.2")
    for entete, valeur in (
        ("Pilote (identifiant)", "inconnu"),
        ("Partenaires (rôle)", "Inconnu (Relais)"),
        ("Besoins ABS", "Isolement ; Mobilité"),
    ):
        actions.cell(row=ligne, column=_colonne(actions, entete), value=valeur)

    rapport = importer_classeur(_enregistrer(classeur), plan, None)

    assert [(e.colonne, e.valeur) for e in rapport.erreurs] == [
        ("Pilote (identifiant)", "inconnu"),
        ("Partenaires (rôle)", "Inconnu (Relais)"),
        ("Besoins ABS", "Isolement ; Mobilité"),
    ]
    assert "« Mobilité »" in rapport.erreurs[2].message


def test_a_closed_review_cannot_change_but_its_unchanged_rows_pass(plan):
    campagne = Campagne.objects.get()
    contenu = exporter_classeur(plan)
    campagne.statut, campagne.closed_at = "close", datetime.datetime.now(datetime.UTC)
    campagne.save()
    assert importer_classeur(contenu, plan, None).enregistre

    modifie = _modifier(contenu, "Mesures", 2025, "Valeur réalisée", 30)
    erreur = _seule_erreur(importer_classeur(modifie, plan, None))

    assert (erreur.feuille, erreur.colonne) == ("Mesures", "Année du bilan")
    assert "le Bilan 2025 est clos" in erreur.message


def test_an_evaluation_of_a_new_year_creates_the_review_within_the_period(plan):
    classeur = _ouvrir(exporter_classeur(plan))
    _ajouter(classeur["Évaluations"], {"Année du bilan": 2026, "Action": "2.3.2"})
    ligne = _ajouter(classeur["Évaluations"], {"Année du bilan": 2031, "Action": "2.3.2"})

    erreur = _seule_erreur(importer_classeur(_enregistrer(classeur), plan, None))
    assert (erreur.ligne, erreur.colonne) == (ligne, "Année du bilan")
    assert "hors de la période du projet social (2023 à 2026)" in erreur.message

    classeur["Évaluations"].delete_rows(ligne)
    rapport = importer_classeur(_enregistrer(classeur), plan, None)
    assert rapport.enregistre, rapport.texte()
    assert "Bilan 2026 créé (ouvert)" in rapport.avertissements[0]
    assert Campagne.objects.get(annee=2026).evaluations.get().action.code == "2.3.2"


# --- Commands -----------------------------------------------------------------------------------


def _commande(*args) -> str:
    sortie = io.StringIO()
    call_command(*args, stdout=sortie)
    return sortie.getvalue()


def test_exporter_projet_writes_the_plan_or_the_template(plan, tmp_path):
    chemin = tmp_path / "plan.xlsx"
    assert "exporté dans" in _commande("exporter_projet", str(chemin))
    assert _cellules(chemin.read_bytes()) == _cellules(exporter_classeur(plan))

    _commande("exporter_projet", str(chemin), "--modele")
    assert _ouvrir(chemin.read_bytes())["Actions"].max_row == 1


def test_importer_projet_prints_the_report_and_dry_run_writes_nothing(plan, tmp_path, agent):
    avant = exporter_classeur(plan)
    chemin = tmp_path / "plan.xlsx"
    chemin.write_bytes(_modifier(avant, "Actions", "2.3.2", "Priorité", "Haute"))

    sortie = _commande("importer_projet", str(chemin), "--dry-run")
    assert "Simulation réussie" in sortie
    assert "Actions, ligne 3 (2.3.2) : Priorité" in sortie
    assert _cellules(exporter_classeur(plan)) == _cellules(avant)

    sortie = _commande("importer_projet", str(chemin), "--utilisateur", agent.username)
    assert "Import réussi" in sortie
    action = Action.objects.du_projet(plan).au_code(2, 3, 2).get()
    assert action.priorite == "haute"
    assert action.history.latest().history_user == agent


def test_importer_projet_exits_non_zero_when_the_import_is_refused(plan, tmp_path):
    chemin = tmp_path / "plan.xlsx"
    chemin.write_bytes(
        _modifier(exporter_classeur(plan), "Actions", "2.3.2", "Priorité", "Urgente")
    )
    sortie = io.StringIO()

    with pytest.raises(CommandError, match="Import refusé : 1 erreur"):
        call_command("importer_projet", str(chemin), stdout=sortie)

    assert "colonne « Priorité » : valeur « Urgente »" in sortie.getvalue()
    with pytest.raises(CommandError, match="introuvable"):
        call_command("importer_projet", str(tmp_path / "absent.xlsx"), stdout=io.StringIO())


def test_the_plan_page_offers_the_workbook_and_its_template(client, elu, agent, plan):
    from django.urls import reverse

    client.force_login(elu)
    page = client.get(reverse("axes:plan")).content.decode()
    assert reverse("export_classeur") in page
    assert reverse("modele_classeur") not in page  # élus do not fill the plan in
    reponse = client.get(reverse("export_classeur"))
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"].startswith('attachment; filename="projet-social-')
    # What the page gives is what the import reads back: nothing to change.
    rapport = importer_classeur(reponse.content, plan, agent, dry_run=True)
    assert not rapport.refuse and _tout_inchange(rapport)
    client.force_login(agent)
    assert reverse("modele_classeur") in client.get(reverse("axes:plan")).content.decode()
    modele = _ouvrir(client.get(reverse("modele_classeur")).content)
    assert modele.sheetnames[0] == "Lisez-moi"
    assert all(modele[nom].max_row == 1 for nom in FEUILLES if nom in modele.sheetnames)
