"""Exports to a spreadsheet (XLSX or CSV, ``projet_social.tableur``) from the pages' buttons:
the list of actions with its filters, a review's evaluations and indicators, the directory
of partners. Whoever reads a page may export it, with the page's own checks (anonymous
users go to the login page, another projet's review is a 404), and gets the page's rows:
the list's filters and search come in the same query string; a closed review is read from
its snapshot only (``lignes_du_bilan``), so its export never changes.

Queries, whatever the number of actions, indicators and partners:
- list of actions (11): session, user, current projet, the user's permissions (2: own and
  groups'), latest review, services (the filter's choices), the actions with their
  objective, axe, pilote, élu, lateness and progress, then publics, needs and partners
  (3: one each); a filter naming a row (an axe, a pilote…) reads it once more to check it;
- review (CSV: 7 closed, 8 open; XLSX: 8 closed, 10 open): session, user, permissions
  (2), projet, review, its lines (1 closed: its rows; 2 open: the fiches with their
  progress, the evaluations), then in XLSX its measures (1 closed; 2 open: the fiches'
  indicators, the measures); its indicators' CSV reads the lines and the measures too;
- partners (7): session, user, permissions (2), projet, the partners with their number of
  actions, the codes of their actions.
"""

from collections import defaultdict

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from actions.enums import SensIndicateur
from actions.models import ORDRE_CODE, Action, ActionPartenaire
from actions.views.partenaires import annuaire
from evaluations.filters import SuiviActionFilter
from evaluations.models import Campagne, avancement_des_actions
from evaluations.services import LigneBilan, lignes_du_bilan, lire_les_mesures, origine_de
from projet_social import tableur
from projet_social.classeur import exporter_classeur, modele_classeur
from projet_social.classeur.export import exporter_feuille_csv, feuille_par_slug, slug_de
from projet_social.permissions import exiger, get_projet_courant
from projet_social.tableur import Feuille
from projet_social.utilisateurs import nom_affiche


def _origine(origine: str, campagne: Campagne | None) -> str:
    """Where an avancement comes from, as the screens say it ("repris du Bilan 2024"); the
    screens' "" (evaluated in the review shown beside it) is spelled out for a file read
    away from the page: "évaluée au Bilan 2025", marked while that review is open."""
    if origine or campagne is None:
        return origine
    if campagne.est_close:
        return f"évaluée au {campagne}"
    return f"évaluée au {campagne} (en cours de saisie)"


def _jour() -> str:
    return timezone.localdate().isoformat()


# --- The list of actions ------------------------------------------------------------------

ENTETES_ACTIONS = [
    "Code",
    "Intitulé",
    "Axe",
    "Objectif",
    "Statut",
    "Priorité",
    "Pilote",
    "Service pilote",
    "Élu référent",
    "Date de début",
    "Échéance",
    "En retard",
    "Avancement (%)",
    "Origine de l'avancement",
    "Partenaires",
    "Publics cibles",
    "Besoins (ABS)",
]


def _ligne_action(action: Action, campagne: Campagne | None) -> list:
    return [
        action.code,
        action.intitule,
        str(action.objectif.axe),
        str(action.objectif),
        action.get_statut_display(),
        action.get_priorite_display(),
        nom_affiche(action.pilote) if action.pilote_id else "",
        action.service_pilote,
        action.elu_referent_nom,
        action.date_debut,
        action.echeance,
        action.est_en_retard,
        action.avancement,
        _origine(origine_de(action, campagne), campagne),
        "; ".join(
            f"{participation.partenaire.nom} ({participation.get_role_display()})"
            for participation in action.participations.all()
        ),
        "; ".join(public.libelle for public in action.publics.all()),
        "; ".join(besoin.thematique for besoin in action.besoins.all()),
    ]


def _exporter_actions(request: HttpRequest, actions, nom: str, format_: str) -> HttpResponse:
    """The actions of the list with its filters (the same query string as the page), in code
    order whatever the page's sort, with their progress in the latest review."""
    exiger(request.user, "actions.view_action")
    projet = get_projet_courant(request)
    campagne = Campagne.objects.derniere(projet)
    filtre = SuiviActionFilter(
        request.GET or None, queryset=actions, projet=projet, campagne=campagne
    )
    lignes = avancement_des_actions(filtre.qs.pour_export(), campagne).order_by(*ORDRE_CODE)
    feuille = Feuille(
        "Actions", ENTETES_ACTIONS, [_ligne_action(action, campagne) for action in lignes]
    )
    titre = f"Actions – {projet.intitule}"
    if filtre.actifs:
        titre += f" – filtres : {', '.join(filtre.actifs)}"
    return tableur.fichier(format_, [feuille], f"{nom}-{_jour()}", titre)


@require_safe
def liste(request: HttpRequest, format: str) -> HttpResponse:
    projet = get_projet_courant(request)
    return _exporter_actions(request, Action.objects.du_projet(projet), "actions", format)


@require_safe
def mes_actions(request: HttpRequest, format: str) -> HttpResponse:
    """The list « Mes actions » (``suivi.mes_actions``) with its filters."""
    projet = get_projet_courant(request)
    actions = Action.objects.du_projet(projet).suivies_par(request.user)
    return _exporter_actions(request, actions, "mes-actions", format)


# --- A review -----------------------------------------------------------------------------

ENTETES_EVALUATIONS = [
    "Code",
    "Intitulé",
    "Axe",
    "Objectif",
    "Pilote",
    "Statut au bilan",
    "Taux de réalisation (%)",
    "Avancement (%)",
    "Origine de l'avancement",
    "Appréciation",
    "Réalisé dans l'année",
    "Points forts",
    "Difficultés",
    "Réajustements proposés",
    "Nouvelle échéance",
]

ENTETES_INDICATEURS = [
    "Code action",
    "Action",
    "Indicateur",
    "Type",
    "Unité",
    "Valeur cible",
    "Sens",
    "Valeur réalisée",
    "Atteinte (%)",
    "Commentaire",
]


def _ligne_evaluation(ligne: LigneBilan, campagne: Campagne) -> list:
    """A line of the review; the evaluation's own fields are blank where there is none, and
    its taux where it was prepared but not evaluated (its 0 is no figure)."""
    evaluation = ligne.evaluation
    return [
        ligne.code,
        ligne.intitule,
        f"Axe {ligne.numero_axe} : {ligne.intitule_axe}",
        f"{ligne.code_objectif} {ligne.intitule_objectif}",
        ligne.pilote_nom,
        ligne.statut_libelle,
        evaluation.taux_realisation if ligne.evaluee else None,
        ligne.avancement,
        _origine(ligne.origine_avancement, campagne),
        ligne.appreciation_libelle,
        evaluation.realise if evaluation else "",
        evaluation.points_forts if evaluation else "",
        evaluation.difficultes if evaluation else "",
        evaluation.reajustements if evaluation else "",
        evaluation.nouvelle_echeance if evaluation else None,
    ]


def _feuille_indicateurs(lignes: list[LigneBilan]) -> Feuille:
    return Feuille(
        "Indicateurs",
        ENTETES_INDICATEURS,
        [
            [
                mesure.code_action,
                ligne.intitule,
                mesure.libelle,
                mesure.type_libelle,
                mesure.unite,
                mesure.cible,
                SensIndicateur(mesure.sens).label if mesure.sens else "",
                mesure.valeur,
                mesure.atteinte,
                mesure.commentaire,
            ]
            for ligne in lignes
            for mesure in ligne.mesures
        ],
    )


def _get_campagne_du_projet(request: HttpRequest, pk: int) -> Campagne:
    """The review ``pk`` of the current projet, for whoever reads its page (404 for another
    projet's review)."""
    exiger(request.user, "evaluations.view_campagne")
    projet = get_projet_courant(request)
    return get_object_or_404(Campagne.objects.du_projet(projet), pk=pk)


@require_safe
def bilan(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    """The review's evaluations, one row per action; in XLSX a second sheet « Indicateurs »
    with each indicator's value (in CSV, one table a file: see ``bilan_indicateurs``)."""
    campagne = _get_campagne_du_projet(request, pk)
    lignes = lignes_du_bilan(campagne)
    feuilles = [
        Feuille(
            "Évaluations",
            ENTETES_EVALUATIONS,
            [_ligne_evaluation(ligne, campagne) for ligne in lignes],
        )
    ]
    if format == tableur.XLSX:
        lire_les_mesures(campagne, lignes)
        feuilles.append(_feuille_indicateurs(lignes))
    return tableur.fichier(
        format, feuilles, f"bilan-{campagne.annee}-evaluations", f"{campagne} – évaluations"
    )


@require_safe
def bilan_indicateurs(request: HttpRequest, pk: int) -> HttpResponse:
    """The review's indicators with their values, as CSV (the XLSX has them as its second
    sheet)."""
    campagne = _get_campagne_du_projet(request, pk)
    lignes = lignes_du_bilan(campagne)
    lire_les_mesures(campagne, lignes)
    return tableur.fichier(
        tableur.CSV, [_feuille_indicateurs(lignes)], f"bilan-{campagne.annee}-indicateurs"
    )


# --- The directory of partners ------------------------------------------------------------

ENTETES_PARTENAIRES = [
    "Nom",
    "Type",
    "Contact",
    "Téléphone",
    "Courriel",
    "Site internet",
    "Nombre d'actions",
    "Actions",
]


@require_safe
def partenaires(request: HttpRequest, format: str) -> HttpResponse:
    """The directory with the list's search, each partner with the codes of its actions in
    the current projet."""
    exiger(request.user, "actions.view_partenaire")
    projet = get_projet_courant(request)
    _, partenaires = annuaire(request, projet)
    codes = defaultdict(list)
    participations = (
        ActionPartenaire.objects.filter(action__objectif__axe__projet=projet)
        .order_by(*[f"action__{cle}" for cle in ORDRE_CODE])
        .values_list(
            "partenaire_id",
            "action__objectif__axe__numero",
            "action__objectif__numero",
            "action__numero",
        )
    )
    for partenaire, axe, objectif, numero in participations:
        codes[partenaire].append(f"{axe}.{objectif}.{numero}")
    feuille = Feuille(
        "Partenaires",
        ENTETES_PARTENAIRES,
        [
            [
                partenaire.nom,
                partenaire.get_type_display(),
                partenaire.contact,
                partenaire.telephone,
                partenaire.email,
                partenaire.site,
                partenaire.nb_actions,
                "; ".join(codes[partenaire.pk]),
            ]
            for partenaire in partenaires
        ],
    )
    return tableur.fichier(format, [feuille], "partenaires", f"Partenaires – {projet.intitule}")


# --- The whole plan as a workbook (projet_social.classeur) ----------------------------------


@require_safe
def classeur(request: HttpRequest) -> HttpResponse:
    """The whole projet as the workbook the import reads back (``importer_projet``): every
    reader of the plan may download it."""
    exiger(request.user, "axes.view_axe")
    projet = get_projet_courant(request)
    date = timezone.localdate().isoformat()
    return tableur.reponse(exporter_classeur(projet), f"projet-social-{date}.xlsx")


@require_safe
def modele(request: HttpRequest) -> HttpResponse:
    """The empty workbook, with its « Lisez-moi » sheet and drop-down lists, to fill in."""
    exiger(request.user, "axes.view_axe")
    return tableur.reponse(modele_classeur(), "modele-projet-social.xlsx")


@require_safe
def feuille_csv(request: HttpRequest, feuille: str) -> HttpResponse:
    """One sheet of the workbook as CSV, for the tools that read no XLSX; the import page
    reads it back (one sheet at a time)."""
    exiger(request.user, "axes.view_axe")
    projet = get_projet_courant(request)
    definition = feuille_par_slug(feuille)
    if definition is None:
        raise Http404("Cette feuille n'existe pas dans le classeur du plan.")
    date = timezone.localdate().isoformat()
    return tableur.reponse(
        exporter_feuille_csv(projet, definition),
        f"projet-social-{slug_de(definition)}-{date}.csv",
    )
