"""The screens that follow the plan through its reviews: the plan as a tree, the list of
actions and the fiche page. They gather the three apps (a fiche and its evaluations, the
progress of the latest review), so they live here, above the apps, which never import them."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Value, When, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from actions.enums import Priorite
from actions.models import ORDRE_CODE, Action, ActionPartenaire
from axes.models import Axe
from evaluations.filters import SuiviActionFilter
from evaluations.models import (
    Avancement,
    Campagne,
    Evaluation,
    avancement,
    avancement_des_actions,
    avancements,
    derniere_campagne,
)
from evaluations.services import origine_de
from projet_social.classeur.export import slug_de
from projet_social.classeur.feuilles import FEUILLES
from projet_social.generation import fragment, generation_de_la_requete, memoire
from projet_social.permissions import (
    exiger,
    exiger_lecture_action,
    get_projet_courant,
    peut_evaluer_action,
    peut_importer,
    peut_modifier_action,
)

HISTORIQUE_APERCU = 5

# The sections of a fiche's PDF, which the agent may leave out (all printed by default).
SECTIONS_PDF = [
    ("identification", "Identification"),
    ("constat", "Constat et objectifs"),
    ("publics", "Publics et partenaires"),
    ("moyens", "Moyens et budget"),
    ("calendrier", "Calendrier et étapes"),
    ("indicateurs", "Indicateurs"),
    ("communication", "Communication et réseau"),
    ("evaluations", "Évaluations annuelles"),
]


# --- The plan as a tree -------------------------------------------------------------------


@require_safe
def plan(request: HttpRequest) -> HttpResponse:
    """Every axe, objective and action on one page, with progress in the latest review."""
    exiger(request.user, "axes.view_axe")
    # Before any data is read: the tree kept under this generation is at least as recent.
    generation_lue = generation_de_la_requete()
    projet = get_projet_courant(request)
    campagne = derniere_campagne(projet)
    user = request.user
    # The buttons of the tree: part of what it is kept under.
    droits = {
        "change_axe": user.has_perm("axes.change_axe"),
        "add_action": user.has_perm("actions.add_action"),
        "change_objectif": user.has_perm("axes.change_objectif"),
        "add_objectif": user.has_perm("axes.add_objectif"),
    }

    def arbre() -> str:
        actions = avancement_des_actions(
            Action.objects.select_related("pilote").with_en_retard().ordre_code(), campagne
        )
        axes = list(Axe.objects.du_projet(projet).pour_plan(actions))
        total, par_axe, par_objectif = avancements(projet, campagne)
        vide = Avancement(moyenne=None, evaluees=0, comptees=0, campagne=campagne)
        for axe in axes:
            axe.avancement = par_axe.get(axe.numero, vide)
            for objectif in axe.objectifs.all():
                objectif.axe = axe  # objectif.code reads the axe: no query per objective
                objectif.avancement = par_objectif.get((axe.numero, objectif.numero), vide)
                for action in objectif.actions.all():
                    action.objectif = objectif
                    action.origine_avancement = origine_de(action, campagne)
        return render_to_string(
            "axes/includes/_plan_arbre.html",
            {
                "axes": axes,
                "avancement": total,
                "droits": droits,
                "feuilles_csv": [(feuille.nom, slug_de(feuille)) for feuille in FEUILLES],
            },
        )

    cle = (projet.pk, campagne and campagne.pk, tuple(sorted(droits.items())))
    return render(
        request,
        "axes/plan.html",
        {
            "projet": projet,
            "campagne": campagne,
            "arbre_du_plan": fragment("plan", generation_lue, cle, arbre),
            "peut_importer": peut_importer(user),
        },
    )


# --- The list of actions ------------------------------------------------------------------

PAR_PAGE = 50

_ORDRE_PRIORITE = Case(
    When(priorite=Priorite.HAUTE, then=Value(0)),
    When(priorite=Priorite.MOYENNE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_CODE = list(ORDRE_CODE[:-1])

# Column key -> (label, ORDER BY). The list is always completed by the code, so ties are stable.
COLONNES = {
    "code": ("N°", _CODE),
    "intitule": ("Intitulé", ["intitule"]),
    "objectif": ("Objectif", _CODE),
    "statut": ("Statut", ["statut"]),
    "priorite": ("Priorité", [_ORDRE_PRIORITE]),
    "pilote": ("Pilote", ["pilote__last_name", "pilote__first_name", "pilote__username"]),
    "echeance": ("Échéance", ["echeance"]),
    "taux": ("Avancement", ["avancement"]),
}
# The columns of the table: one short line per action on a laptop. Priority is a filter
# (and ``tri=priorite`` still sorts) but not a column.
COLONNES_AFFICHEES = ("code", "intitule", "objectif", "statut", "pilote", "echeance", "taux")


def _ordre(tri: str) -> tuple[str, list]:
    """("-echeance") -> ("-echeance", [echeance DESC NULLS LAST, code…])."""
    cle = tri.lstrip("-")
    if cle not in COLONNES:
        tri, cle = "code", "code"
    descendant = tri.startswith("-")
    ordre = []
    for terme in COLONNES[cle][1]:
        expression = F(terme) if isinstance(terme, str) else terme
        ordre.append(
            expression.desc(nulls_last=True) if descendant else expression.asc(nulls_last=True)
        )
    return tri, ordre + list(ORDRE_CODE)


def _liste(request: HttpRequest, actions, *, titre: str, liste: tuple, extra=None) -> HttpResponse:
    """The list of ``actions``; ``liste`` names them for what the process keeps: the
    filters' drop-down lists differ from one to the other (the pilotes of the listed
    fiches...)."""
    exiger(request.user, "actions.view_action")
    projet = get_projet_courant(request)
    campagne = derniere_campagne(projet)
    filtre = SuiviActionFilter(
        request.GET or None,
        queryset=actions,
        projet=projet,
        campagne=campagne,
        choix_gardes_sous=liste,
    )
    tri, ordre = _ordre(request.GET.get("tri", "code"))
    resultats = avancement_des_actions(filtre.qs.with_list_related_data(), campagne).order_by(
        *ordre
    )
    page = Paginator(resultats, PAR_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    code = filtre.code_recherche
    if code and page.paginator.count == 1:
        # "3.2.1" typed in the search: the agent wants that fiche, open it.
        messages.info(request, f"Recherche « {code} » : la fiche {code} est ouverte.")
        return redirect("actions:detail", pk=page[0].pk)
    if filtre.mots:
        # Why each row was found (its pilote, a partner…): two queries for the page.
        prefetch_related_objects(
            page.object_list,
            "publics",
            Prefetch(
                "participations",
                queryset=ActionPartenaire.objects.select_related("partenaire").order_by(
                    "partenaire__nom", "pk"
                ),
            ),
        )
        filtre.expliquer(page.object_list)
    for action in page:
        action.origine_avancement = origine_de(action, campagne)
    parametres = request.GET.copy()
    parametres.pop("page", None)
    parametres.pop("tri", None)
    context = {
        "titre": titre,
        "projet": projet,
        "campagne": campagne,
        "avancement": memoire(
            "avancement du projet",
            (projet.pk, campagne.pk if campagne else None),
            lambda: avancement(projet, campagne),
        ),
        "filtre": filtre,
        "puces": filtre.puces(),
        "page": page,
        "tri": tri,
        "entetes": _entetes(parametres, tri),
        "parametres_avec_tri": _avec(parametres, tri=tri),
        **(extra or {}),
    }
    return render(request, "actions/liste.html", context)


def _entetes(parametres, tri: str) -> list[dict]:
    """Column headers: a link that sorts by the column, and toggles on the sorted one."""
    entetes = []
    for cle in COLONNES_AFFICHEES:
        label = COLONNES[cle][0]
        actif = tri.lstrip("-") == cle
        descendant = tri.startswith("-")
        suivant = f"-{cle}" if actif and not descendant else cle
        entetes.append(
            {
                "cle": cle,
                "label": label,
                "url": "?" + _avec(parametres, tri=suivant),
                "aria_sort": ("descending" if descendant else "ascending") if actif else None,
            }
        )
    return entetes


def _avec(parametres, **valeurs) -> str:
    copie = parametres.copy()
    for cle, valeur in valeurs.items():
        copie[cle] = valeur
    return copie.urlencode()


@require_safe
def liste(request: HttpRequest) -> HttpResponse:
    projet = get_projet_courant(request)
    return _liste(request, Action.objects.du_projet(projet), titre="Actions", liste=("toutes",))


@require_safe
def mes_actions(request: HttpRequest) -> HttpResponse:
    """The fiches the user pilots, or follows as their élu référent (by account: a name typed
    on the fiche links nobody)."""
    projet = get_projet_courant(request)
    return _liste(
        request,
        Action.objects.du_projet(projet).suivies_par(request.user),
        titre="Mes actions",
        liste=("mes actions", request.user.pk),
        extra={"mes_actions": True},
    )


# --- The fiche page -----------------------------------------------------------------------


def _get_action_for_user(request: HttpRequest, pk: int, actions) -> Action:
    """The fiche ``pk`` of the current projet (404 otherwise) if the user may read it: the
    groups that view actions, and the pilote who edits it even outside them (403)."""
    action = get_object_or_404(actions.du_projet(get_projet_courant(request)), pk=pk)
    exiger_lecture_action(request.user, action)
    return action


@require_safe
def fiche(request: HttpRequest, pk: int) -> HttpResponse:
    projet = get_projet_courant(request).pk
    campagne = derniere_campagne(projet)
    # The fiche and where it stands in the latest review, in one query.
    action = _get_action_for_user(
        request, pk, avancement_des_actions(Action.objects.pour_fiche(), campagne)
    )
    user = request.user
    evaluations = list(Evaluation.objects.de_la_fiche(action))
    indicateurs = list(action.indicateurs.all())
    _mesures_des_indicateurs(indicateurs, evaluations)
    precedente, suivante = Action.objects.voisines(action)
    return render(
        request,
        "actions/fiche.html",
        {
            "action": action,
            "campagne": campagne,
            "situation": action,
            "origine_avancement": origine_de(action, campagne),
            "indicateurs": indicateurs,
            "evaluations": evaluations,
            "indicateurs_par_annee": _indicateurs_par_annee(indicateurs, evaluations),
            "bilans_ouverts": _bilans_ouverts(user, action, evaluations, projet),
            "budget": _budget_par_annee(action.lignes_budget.all()),
            "precedente": precedente,
            "suivante": suivante,
            "historique": _apercu_historique(action),
            "peut_modifier": peut_modifier_action(user, action),
            "peut_deplacer": user.has_perm("actions.change_action"),
            "peut_supprimer": user.has_perm("actions.delete_action"),
            "sections_pdf": SECTIONS_PDF,
        },
    )


def _apercu_historique(action: Action) -> list:
    """The fiche's last few saves, newest first (one query). django-simple-history writes one
    more record per many-to-many change after a save (publics, besoins), which repeats the
    save's version: a record at the same version as the one before is shown once."""
    enregistrements = action.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )[: HISTORIQUE_APERCU * 4]
    apercu = []
    for enregistrement in enregistrements:
        if apercu and apercu[-1].version == enregistrement.version:
            apercu[-1] = enregistrement  # the save itself, which carries its reason
            continue
        apercu.append(enregistrement)
    return apercu[:HISTORIQUE_APERCU]


def _mesures_des_indicateurs(indicateurs: list, evaluations: list) -> None:
    """Give each indicator its measures by campaign, its latest measured value (from the
    latest review that measured it), and that value's attainment: no query (the measures
    come with the evaluations)."""
    par_indicateur = defaultdict(dict)
    for evaluation in evaluations:  # newest first
        for mesure in evaluation.mesures.all():
            par_indicateur[mesure.indicateur_id][evaluation.campagne_id] = mesure
    for indicateur in indicateurs:
        indicateur.par_campagne = par_indicateur[indicateur.pk]
        for mesure in indicateur.par_campagne.values():
            mesure.indicateur = indicateur  # its attainment reads the target: no query
        indicateur.derniere_valeur = indicateur.derniere_annee = None
        for evaluation in evaluations:
            mesure = indicateur.par_campagne.get(evaluation.campagne_id)
            if mesure is not None and mesure.valeur_realisee is not None:
                indicateur.derniere_valeur = mesure.valeur_realisee
                indicateur.derniere_annee = evaluation.campagne.annee
                break
        indicateur.atteinte_derniere = indicateur.atteinte(indicateur.derniere_valeur)


def _indicateurs_par_annee(indicateurs: list, evaluations: list) -> dict:
    """Indicators × campaigns of the action's evaluations (oldest first)."""
    campagnes = sorted(
        {evaluation.campagne_id: evaluation.campagne for evaluation in evaluations}.values(),
        key=lambda campagne: (campagne.annee, campagne.pk),
    )
    lignes = [
        {
            "indicateur": indicateur,
            "mesures": [indicateur.par_campagne.get(c.pk) for c in campagnes],
        }
        for indicateur in indicateurs
    ]
    return {"campagnes": campagnes, "lignes": lignes}


def _bilans_ouverts(user, action: Action, evaluations: list, projet: int) -> list[tuple]:
    """(campaign, the action's evaluation in it or None) for each open campaign of the projet
    (kept by the process until the plan changes), when the user may evaluate the action;
    nothing for the others."""
    if not peut_evaluer_action(user, action):
        return []
    par_campagne = {evaluation.campagne_id: evaluation for evaluation in evaluations}
    ouvertes = memoire(
        "bilans ouverts",
        (projet,),
        lambda: tuple(Campagne.objects.du_projet(projet).ouvertes().order_by("annee")),
    )
    return [(campagne, par_campagne.get(campagne.pk)) for campagne in ouvertes]


def _budget_par_annee(lignes) -> dict:
    """Budget lines grouped by year with the totals of each year and of the whole fiche."""
    annees = []
    par_annee = defaultdict(list)
    for ligne in lignes:
        par_annee[ligne.annee].append(ligne)
    for annee in sorted(par_annee):
        lignes_annee = par_annee[annee]
        annees.append(
            {
                "annee": annee,
                "lignes": lignes_annee,
                "prevu": sum((ligne.montant_prevu for ligne in lignes_annee), Decimal(0)),
                "realise": _somme_realise(lignes_annee),
            }
        )
    toutes = [ligne for annee in annees for ligne in annee["lignes"]]
    return {
        "annees": annees,
        "prevu": sum((annee["prevu"] for annee in annees), Decimal(0)),
        "realise": _somme_realise(toutes),
    }


def _somme_realise(lignes) -> Decimal | None:
    """Sum of the realised amounts; None when no line has one yet (shown "—", not "0")."""
    montants = [ligne.montant_realise for ligne in lignes if ligne.montant_realise is not None]
    return sum(montants, Decimal(0)) if montants else None
