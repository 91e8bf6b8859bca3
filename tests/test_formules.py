"""Exports that no spreadsheet runs as formulas, and that read back identical
(projet_social/resources.py: ``neutraliser_formule``, ``FormatXLSX``)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.urls import reverse
from import_export.formats.base_formats import CSV

from actions.enums import RolePartenaire
from actions.models import Action, Indicateur, Partenaire
from actions.resources import ActionResource, IndicateurResource, PartenaireResource
from projet_social.resources import (
    FormatXLSX,
    cellule_texte,
    neutraliser_formule,
    retablir_formule,
)
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    IndicateurFactory,
    PartenaireFactory,
    PublicCibleFactory,
)
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.factories_utilisateurs import UserFactory

pytestmark = pytest.mark.django_db

# What a spreadsheet takes for the start of a formula (written out again here, so that the
# test does not trust the list it checks).
DANGEREUX = ("=", "+", "-", "@", "\t", "\r")

FORMULES = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR",
    "'=1+1",  # a text that really begins with a quote and "="
]
# Texts that are no formula and must be written as they are.
ORDINAIRES = ["'Tis the season", "L'=égalité", "2-3", "Ligne 1\r\nLigne 2", "_x000D_ tel quel"]

FORMATS = [CSV(), FormatXLSX()]


def _nom_du_format(format_) -> str:
    return format_.get_title()


# --- The rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texte, exporte",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("'=1+1", "''=1+1"),
        ("''-1", "'''-1"),
        ("'Tis", "'Tis"),
        ("'", "'"),
        ("''", "''"),
        ("", ""),
        ("l'=1", "l'=1"),
        ("2-3", "2-3"),
    ],
)
def test_one_quote_before_a_formula_start_and_one_quote_less_on_import(texte, exporte):
    assert neutraliser_formule(texte) == exporte
    assert retablir_formule(exporte) == texte
    assert cellule_texte(exporte) == texte
    assert not exporte.startswith(DANGEREUX)


def test_a_quote_typed_before_a_formula_is_the_spreadsheets_text_mark():
    assert cellule_texte("'=1+1") == "=1+1"
    assert cellule_texte("  '@x ") == "@x"
    assert cellule_texte("'Tis") == "'Tis"


# --- Exports of the resources, read back -----------------------------------------------------


def _exporter(resource, format_, **kwargs) -> bytes | str:
    """As the admin does: numbers and dates native in XLSX, then the file's bytes or text."""
    dataset = resource.export(force_native_type=format_.is_binary(), **kwargs)
    return format_.export_data(dataset)


def _cellules(contenu: bytes | str, format_) -> list[list]:
    """The file's cells as a spreadsheet reads them; for XLSX, (value, data type) pairs."""
    if format_.is_binary():
        feuille = openpyxl.load_workbook(io.BytesIO(contenu)).active
        return [[(c.value, c.data_type) for c in ligne] for ligne in feuille.iter_rows()]
    dataset = tablib.Dataset().load(contenu, format="csv")
    return [[(v, "s") for v in ligne] for ligne in [dataset.headers, *dataset]]


def _aucune_formule(contenu: bytes | str, format_) -> None:
    for ligne in _cellules(contenu, format_):
        for valeur, type_ in ligne:
            assert type_ != "f", valeur
            if isinstance(valeur, str):
                assert not valeur.startswith(DANGEREUX), valeur


def _relire(contenu: bytes | str, format_) -> tablib.Dataset:
    return format_.create_dataset(contenu)


def _importer(resource, contenu, format_) -> None:
    result = resource.import_data(_relire(contenu, format_), dry_run=False)
    assert not result.has_errors(), [e.error for _, errs in result.row_errors() for e in errs]
    assert not result.has_validation_errors(), result.invalid_rows


@pytest.fixture
def partenaires():
    return [
        PartenaireFactory(nom=texte, contact=texte, telephone=texte[:30])
        for texte in [*FORMULES, *ORDINAIRES]
    ]


def _partenaires() -> list[tuple]:
    return sorted(Partenaire.objects.values_list("nom", "contact", "telephone"))


@pytest.mark.parametrize("format_", FORMATS, ids=_nom_du_format)
def test_partners_export_no_formula_and_read_back_identical(partenaires, format_):
    avant = _partenaires()

    contenu = _exporter(PartenaireResource(), format_)

    _aucune_formule(contenu, format_)
    noms = [ligne[0] for ligne in _relire(contenu, format_)]
    assert '\'=HYPERLINK("http://x","y")' in noms
    assert "''=1+1" in noms
    assert "'Tis the season" in noms
    # Imported into an empty directory: each partner is created again under its exact nom.
    Partenaire.objects.all().delete()
    _importer(PartenaireResource(), contenu, format_)
    assert _partenaires() == avant


CHAMPS_TEXTE = [
    "intitule",
    "constat",
    "objectifs_action",
    "description",
    "service_pilote",
    "elu_referent",
    "moyens_humains",
    "moyens_materiels",
    "communication_supports",
    "communication_messages",
    "partenariat_reseau",
]


@pytest.fixture
def action_piegee():
    """Fiche 1.1.1 whose texts, and the names of its plan, pilote, public and partner, start
    formulas (or are tricky texts that are none), with an indicator per formula."""
    projet = ProjetSocialFactory(intitule="+Projet social 2023-2026")
    axe = AxeFactory(projet=projet, numero=1, intitule="Lien social")
    objectif = ObjectifFactory(axe=axe, numero=1, intitule="Rompre l'isolement")
    textes = [*FORMULES, *ORDINAIRES]
    action = ActionFactory(
        objectif=objectif,
        numero=1,
        pilote=UserFactory(username="@pilote"),
        echeance=datetime.date(2030, 12, 31),
        **{champ: textes[i % len(textes)] for i, champ in enumerate(CHAMPS_TEXTE)},
    )
    action.publics.add(PublicCibleFactory(libelle="-Personnes âgées"))
    ActionPartenaireFactory(
        action=action,
        partenaire=PartenaireFactory(nom='=HYPERLINK("http://x","y")'),
        role=RolePartenaire.FINANCEUR,
    )
    for texte in FORMULES:
        IndicateurFactory(action=action, libelle=texte, unite=texte[:50], mode_calcul=texte)
    return action


def _fiche(action: Action) -> dict:
    action.refresh_from_db()
    return {
        **{champ: getattr(action, champ) for champ in CHAMPS_TEXTE},
        "pilote": action.pilote,
        "publics": sorted(action.publics.values_list("libelle", flat=True)),
    }


@pytest.mark.parametrize("format_", FORMATS, ids=_nom_du_format)
def test_action_export_no_formula_and_read_back_identical(action_piegee, format_):
    avant = _fiche(action_piegee)

    contenu = _exporter(ActionResource(), format_)

    _aucune_formule(contenu, format_)
    (ligne,) = _relire(contenu, format_).dict
    # Columns written by dehydrate methods and by the widgets of lists and accounts.
    assert ligne["Projet social"] == "'+Projet social 2023-2026"
    assert ligne["Publics cibles"] == "'-Personnes âgées"
    assert ligne["Pilote"] == "'@pilote"
    assert ligne["Partenaires"] == '\'=HYPERLINK("http://x","y") (Financeur)'
    # The fiche emptied, then the file imported over it: every value is back.
    Action.objects.filter(pk=action_piegee.pk).update(
        pilote=None, **{champ: "effacé" for champ in CHAMPS_TEXTE}
    )
    action_piegee.publics.clear()
    _importer(ActionResource(), contenu, format_)
    assert _fiche(action_piegee) == avant
    assert Action.objects.count() == 1


@pytest.mark.parametrize("format_", FORMATS, ids=_nom_du_format)
def test_indicator_export_no_formula_and_read_back_identical(action_piegee, format_):
    avant = sorted(Indicateur.objects.values_list("libelle", "unite", "mode_calcul"))

    contenu = _exporter(IndicateurResource(), format_)

    _aucune_formule(contenu, format_)
    Indicateur.objects.update(unite="", mode_calcul="")
    # Keyed on the action code and the libellé: read back wrong, a libellé would be a new one.
    _importer(IndicateurResource(), contenu, format_)
    assert sorted(Indicateur.objects.values_list("libelle", "unite", "mode_calcul")) == avant


def test_numbers_stay_numbers_even_negative(action_piegee):
    # No value of the plan may be negative (constraints), so the negative one is unsaved, and
    # its rows are exported one by one, as export() does (export() reads them from the base).
    negatif = Indicateur(action=action_piegee, libelle="-2+3", valeur_cible=Decimal("-2.5"))
    Indicateur.objects.filter(libelle="+1+1").update(valeur_cible=Decimal("12.5"))
    positif = Indicateur.objects.get(libelle="+1+1")
    resource = IndicateurResource()

    def fichier(format_) -> bytes | str:
        dataset = tablib.Dataset(headers=resource.get_export_headers())
        for indicateur in (negatif, positif):
            dataset.append(
                resource.export_resource(indicateur, force_native_type=format_.is_binary())
            )
        return format_.export_data(dataset)

    entetes, *lignes = _cellules(fichier(FormatXLSX()), FormatXLSX())
    csv = _relire(fichier(CSV()), CSV()).dict

    noms = [valeur for valeur, _ in entetes]
    libelle, cible = noms.index("Libellé"), noms.index("Valeur cible")
    assert [(ligne[libelle], ligne[cible]) for ligne in lignes] == [
        (("'-2+3", "s"), (-2.5, "n")),
        (("'+1+1", "s"), (12.5, "n")),
    ]
    assert [(ligne["Libellé"], ligne["Valeur cible"]) for ligne in csv] == [
        ("'-2+3", "-2.5"),
        ("'+1+1", "12.50"),
    ]


def test_xlsx_keeps_carriage_returns_and_control_characters():
    texte = "a\rb\r\nc\x01d_x000D_e_x005F_f"
    dataset = tablib.Dataset([texte, 3], headers=["Texte", "Nombre"])

    contenu = FormatXLSX().export_data(dataset)

    # What Excel writes for the same text.
    brut = openpyxl.load_workbook(io.BytesIO(contenu)).active["A2"].value
    assert brut == "a_x000D_b_x000D_\nc_x0001_d_x005F_x000D_e_x005F_x005F_f"
    assert list(FormatXLSX().create_dataset(contenu)) == [(texte, 3)]


# --- The admin's export ----------------------------------------------------------------------


def _exporter_par_l_admin(client, model, resource, format_) -> bytes:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    formulaire = client.get(url).context["form"]
    choix = {libelle: valeur for valeur, libelle in formulaire.fields["format"].choices}
    colonnes = {f"{resource.__name__.lower()}_{nom}": "on" for nom in resource().get_export_order()}
    response = client.post(url, {"resource": "0", "format": choix[format_.get_title()], **colonnes})
    assert response.status_code == 200
    assert response["Content-Type"] == format_.get_content_type()
    return response.content


@pytest.mark.parametrize("format_", FORMATS, ids=_nom_du_format)
def test_admin_export_of_partners_no_formula_and_read_back_identical(
    client, administrateur, partenaires, format_
):
    avant = _partenaires()
    client.force_login(administrateur)

    contenu = _exporter_par_l_admin(client, Partenaire, PartenaireResource, format_)
    if not format_.is_binary():
        contenu = contenu.decode()

    _aucune_formule(contenu, format_)
    Partenaire.objects.all().delete()
    _importer(PartenaireResource(), contenu, format_)
    assert _partenaires() == avant


def test_admin_export_of_actions_in_xlsx_no_formula_and_real_dates(
    client, administrateur, action_piegee
):
    client.force_login(administrateur)

    contenu = _exporter_par_l_admin(client, Action, ActionResource, FormatXLSX())

    _aucune_formule(contenu, FormatXLSX())
    entetes, ligne = _cellules(contenu, FormatXLSX())
    echeance = ligne[[v for v, _ in entetes].index("Échéance")]
    assert echeance == (datetime.datetime(2030, 12, 31), "d")
