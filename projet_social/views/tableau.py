"""The figures of the dashboard, for a review and optionally one axe: each section reads the
database once, with its aggregates computed in SQL, and builds the charts of
``projet_social.graphiques`` whose every bar and segment links to the list of actions behind
it (the list's filters apply the same rule as the figure).

What a review shows (its statuts, progress, evaluated actions, indicators on target) is read
from that review: a closed one from the rows its closing wrote. What a fiche is today (late,
due dates, budget, partners, communication, needs answered) is read from the fiches.

Queries, whatever the number of actions, evaluations, indicators and steps (14, plus 1 when
an indicator has measures and 3 with a comparison):
campaigns, axes, objectives, progress per objective (review), statuts (review), counts of
the fiches (late, partners, communication), indicators on target, indicators measured (for
the trend's choice) [+ the chosen one's measures], actions due per quarter, steps due per
quarter, budget per axe and year, partners most involved, needs with their actions,
[+ progress per objective of the compared review, statuts in both reviews]."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.urls import reverse
from django.utils import timezone

from actions.enums import STATUTS_TERMINES, StatutAction
from actions.filters import code_trimestre, libelle_trimestre
from actions.models import Action, ActionPartenaire, Etape, Indicateur, LigneBudget, q_en_retard
from axes.models import Axe, BesoinSocial, Objectif
from evaluations.models import (
    Q_A_LA_CIBLE,
    Q_MESUREE,
    Avancement,
    Campagne,
    Mesure,
    avancement_des_actions,
    avancements,
)
from projet_social.graphiques import (
    BLEU,
    GRIS,
    ORANGE,
    ROUGE,
    VERT,
    VIOLET,
    Barre,
    Barres,
    BarresEmpilees,
    BarresGroupees,
    Courbe,
    LigneEmpilee,
    LigneGroupee,
    Point,
    Segment,
    Serie,
)

COULEURS_STATUT = {
    StatutAction.A_LANCER: GRIS,
    StatutAction.EN_COURS: BLEU,
    StatutAction.REALISEE: VERT,
    StatutAction.REPORTEE: ORANGE,
    StatutAction.ABANDONNEE: ROUGE,
}
NB_PARTENAIRES = 8


# --- Writing figures -----------------------------------------------------------------------


def pourcent(valeur: float | None) -> str:
    return "—" if valeur is None else f"{round(valeur)}\u00a0%"


def part(n: int, total: int) -> float | None:
    return 100 * n / total if total else None


def euros(montant: Decimal | None) -> str:
    if montant is None:
        return "—"
    entier = f"{round(montant):,}".replace(",", "\u202f")
    return f"{entier}\u00a0€"


def pluriel(n: int, mot: str) -> str:
    return f"{n} {mot}{'s' if n > 1 else ''}"


@dataclass
class Liens:
    """The list of actions behind a figure: its URL with the dashboard's scope (the axe)."""

    base: dict = field(default_factory=dict)

    def __call__(self, **filtres) -> str:
        parametres = list(self.base.items())
        for cle, valeur in filtres.items():
            for v in valeur if isinstance(valeur, list | tuple) else [valeur]:
                parametres.append((cle, v))
        return reverse("actions:liste") + "?" + urlencode(parametres)


# --- The dashboard -------------------------------------------------------------------------


@dataclass
class Portee:
    """What the dashboard shows: the projet, a review (None before any), an axe or all,
    the review compared with, and today."""

    projet: object
    campagne: Campagne | None
    campagnes: list[Campagne]
    axe: Axe | None = None
    comparee: Campagne | None = None
    aujourdhui: datetime.date = field(default_factory=timezone.localdate)

    @property
    def cle(self) -> tuple:
        """What the dashboard's figures depend on, for the part kept (with the date)."""
        return (
            self.campagne and self.campagne.pk,
            self.axe and self.axe.pk,
            self.comparee and self.comparee.pk,
            self.aujourdhui.isoformat(),
        )

    def actions(self):
        actions = Action.objects.du_projet(self.projet)
        if self.axe is not None:
            actions = actions.filter(objectif__axe=self.axe)
        return actions

    @property
    def liens(self) -> Liens:
        return Liens({"axe": self.axe.pk} if self.axe else {})

    @property
    def liens_bilan(self) -> Liens:
        base = {"axe": self.axe.pk} if self.axe else {}
        if self.campagne is not None:
            base["bilan"] = self.campagne.pk
        return Liens(base)


def tableau_de_bord(portee: Portee, axes: list, *, indicateur_choisi: str | None = None) -> dict:
    objectifs = list(Objectif.objects.du_projet(portee.projet).order_by("axe__numero", "numero"))
    axes_par_pk = {axe.pk: axe for axe in axes}
    for objectif in objectifs:
        objectif.axe = axes_par_pk[objectif.axe_id]
    progression = _avancement(portee, axes, objectifs)
    statuts = _statuts(portee)
    fiches = _fiches(portee)
    indicateurs = _indicateurs(portee, indicateur_choisi)
    return {
        "axes": axes,
        **progression,
        **statuts,
        "fiches": fiches,
        **indicateurs,
        "echeances": _echeances(portee),
        "budget": _budget(portee, axes),
        "transversal": _transversal(portee, fiches),
        "besoins": _besoins(portee),
        "comparaison": _comparaison(
            portee, axes, progression["par_axe"], statuts["statut_par_action"]
        )
        if portee.comparee is not None and portee.campagne is not None
        else None,
    }


def _avancement(portee: Portee, axes: list, objectifs: list) -> dict:
    total, par_axe, par_objectif = avancements(portee.projet, portee.campagne)
    vide = Avancement(moyenne=None, evaluees=0, comptees=0, campagne=portee.campagne)
    liens = portee.liens
    if portee.axe is not None:
        total = par_axe.get(portee.axe.numero, vide)
    barres_objectifs = []
    for objectif in objectifs:
        if portee.axe is not None and objectif.axe_id != portee.axe.pk:
            continue
        a = par_objectif.get((objectif.axe.numero, objectif.numero), vide)
        barres_objectifs.append(
            Barre(
                libelle=f"{objectif.code} {objectif.intitule}",
                valeur=a.moyenne,
                texte=pourcent(a.moyenne),
                couleur=objectif.axe.couleur,
                lien=liens(objectif=objectif.pk),
                details=[a.couverture],
            )
        )
    de = f" au {portee.campagne}" if portee.campagne else ""
    return {
        "avancement": total,
        "par_axe": par_axe,
        "graphique_axes": graphique_avancement_par_axe(
            axes, par_axe, portee.campagne, lien=lambda axe: Liens({})(axe=axe.pk)
        ),
        "graphique_objectifs": Barres(
            largeur=760,
            titre=f"Avancement par objectif{de}",
            description=(
                f"Avancement moyen des actions de chacun des {len(barres_objectifs)} objectifs"
                f"{' de l’axe ' + str(portee.axe.numero) if portee.axe else ''}, en "
                "pourcentage ; le tableau des données donne chaque valeur."
            ),
            colonnes=["Objectif", "Avancement", "Couverture"],
            barres=barres_objectifs,
            maximum=100,
        ),
    }


def graphique_avancement_par_axe(
    axes: list, par_axe: dict[int, Avancement], campagne: Campagne | None, *, lien=None
) -> Barres:
    """The chart « Avancement par axe », of the dashboard and of the review's dossier:
    ``axes`` have a numero, an intitule and a couleur (the axes of today, or a closed
    review's as they were), ``par_axe`` their progress by number; ``lien(axe)`` is the list
    behind a bar (none in a PDF)."""
    vide = Avancement(moyenne=None, evaluees=0, comptees=0, campagne=campagne)
    barres = []
    for axe in axes:
        a = par_axe.get(axe.numero, vide)
        barres.append(
            Barre(
                libelle=f"Axe {axe.numero}. {axe.intitule}",
                valeur=a.moyenne,
                texte=pourcent(a.moyenne),
                couleur=axe.couleur,
                lien=lien(axe) if lien else None,
                details=[a.couverture],
            )
        )
    de = f" au {campagne}" if campagne else ""
    return Barres(
        largeur=620,
        titre=f"Avancement par axe{de}",
        description=(
            "Avancement moyen des actions de chaque axe, en pourcentage : "
            + " ; ".join(f"{b.libelle} : {b.texte}" for b in barres)
            + "."
        ),
        colonnes=["Axe", "Avancement", "Couverture"],
        barres=barres,
        maximum=100,
    )


def graphique_des_statuts(
    comptes: dict[str, int], campagne: Campagne | None, *, lien=None
) -> BarresEmpilees:
    """The chart « Actions par statut », of the dashboard and of the review's dossier:
    ``comptes`` is {statut: number of actions}; ``lien(statut)`` the list behind a segment
    (none in a PDF)."""
    comptes = {statut: comptes.get(statut, 0) for statut in StatutAction.values}
    total = sum(comptes.values())
    de = f" au {campagne}" if campagne else ""
    return BarresEmpilees(
        largeur=440,
        titre=f"Actions par statut{de}",
        description=(
            f"Répartition des {total} actions par statut : "
            + " ; ".join(f"{label} : {comptes[code]}" for code, label in StatutAction.choices)
            + "."
        ),
        colonnes=["Actions"],
        series=[Serie(label, COULEURS_STATUT[code]) for code, label in StatutAction.choices],
        lignes=[
            LigneEmpilee(
                libelle=f"{total} actions",
                segments=[
                    Segment(comptes[code], str(comptes[code]), lien(code) if lien else None)
                    for code in StatutAction.values
                ],
                total_texte=str(total),
            )
        ],
    )


def _lignes_du_bilan(portee: Portee, campagne: Campagne | None):
    """The actions of the scope in ``campagne``, annotated by the progress rule: a closed
    review's rows only, every fiche otherwise."""
    lignes = avancement_des_actions(portee.actions(), campagne)
    if campagne is not None and campagne.est_close:
        lignes = lignes.filter(dans_bilan=True)
    return lignes


def _statut_par_action(portee: Portee, campagne: Campagne | None) -> dict:
    """{action pk: (statut counted in the review, (code, intitulé) of the fiche)}."""
    lignes = _lignes_du_bilan(portee, campagne).order_by()
    return {
        pk: (statut, (f"{axe}.{objectif}.{numero}", intitule))
        for pk, statut, axe, objectif, numero, intitule in lignes.values_list(
            "pk",
            "statut_bilan",
            "objectif__axe__numero",
            "objectif__numero",
            "numero",
            "intitule",
        )
    }


def _statuts(portee: Portee) -> dict:
    """The statuts counted in the review (an open review: the evaluation's when evaluated,
    else the fiche's; a closed one: as written at its closing): one query, which also gives
    each action's statut for the comparison."""
    statut_par_action = _statut_par_action(portee, portee.campagne)
    comptes = {statut: 0 for statut in StatutAction.values}
    for statut, _ in statut_par_action.values():
        comptes[statut] = comptes.get(statut, 0) + 1
    total = sum(comptes.values())
    if portee.campagne is not None:
        liens = portee.liens_bilan

        def lien(statut):
            return liens(statut_bilan=statut)
    else:
        liens = portee.liens

        def lien(statut):
            return liens(statut=statut)

    graphique = graphique_des_statuts(comptes, portee.campagne, lien=lien)
    if portee.campagne is not None and portee.campagne.est_close:
        lien_actions = portee.liens_bilan(statut_bilan=list(StatutAction.values))
    else:
        lien_actions = portee.liens()
    return {
        "lien_actions": lien_actions,
        "lien_evaluees": portee.liens_bilan(evaluee="on"),
        "lien_en_retard": portee.liens(en_retard="on"),
        "statut_par_action": statut_par_action,
        "par_statut": [
            (label, code, comptes[code], lien(code)) for code, label in StatutAction.choices
        ],
        "nb_actions_bilan": total,
        "graphique_statuts": graphique,
    }


def _fiches(portee: Portee) -> dict:
    """What the fiches of the scope are today: one query."""
    avec_partenaires = Exists(ActionPartenaire.objects.filter(action=OuterRef("pk")))
    avec_communication = ~Q(communication_supports="") | ~Q(communication_messages="")
    return portee.actions().aggregate(
        total=Count("pk"),
        en_retard=Count("pk", filter=q_en_retard(portee.aujourdhui)),
        avec_partenaires=Count("pk", filter=Q(avec_partenaires)),
        avec_communication=Count("pk", filter=avec_communication),
    )


def _mesures_du_bilan(portee: Portee, campagne: Campagne):
    mesures = Mesure.objects.filter(evaluation__campagne=campagne)
    if portee.axe is not None:
        if campagne.est_close:
            mesures = mesures.filter(evaluation__numero_axe=portee.axe.numero)
        else:
            mesures = mesures.filter(evaluation__action__objectif__axe=portee.axe)
    return mesures


def _indicateurs(portee: Portee, choisi: str | None) -> dict:
    """Indicators on target in the review, and the trend of one indicator over the
    reviews (the chosen one, else the one measured most often)."""
    resultat: dict = {"indicateurs_cible": None, "courbe": None, "indicateurs_mesures": []}
    if portee.campagne is not None:
        resultat["indicateurs_cible"] = (
            _mesures_du_bilan(portee, portee.campagne)
            .avec_atteinte()
            .aggregate(
                mesurees=Count("pk", filter=Q_MESUREE),
                a_la_cible=Count("pk", filter=Q_A_LA_CIBLE),
                actions=Count("evaluation__action", filter=Q_A_LA_CIBLE, distinct=True),
            )
        )
        resultat["lien_indicateurs"] = portee.liens_bilan(indicateur_a_la_cible="on")
    mesures = list(
        Indicateur.objects.filter(action__in=portee.actions())
        .annotate(
            nb_mesures=Count("mesures", filter=Q(mesures__valeur_realisee__isnull=False)),
            axe_numero=F("action__objectif__axe__numero"),
            objectif_numero=F("action__objectif__numero"),
            action_numero=F("action__numero"),
        )
        .filter(nb_mesures__gt=0)
        .order_by("axe_numero", "objectif_numero", "action_numero", "pk")
    )
    for indicateur in mesures:
        indicateur.code_action = (
            f"{indicateur.axe_numero}.{indicateur.objectif_numero}.{indicateur.action_numero}"
        )
    resultat["indicateurs_mesures"] = mesures
    if not mesures:
        return resultat
    par_pk = {str(indicateur.pk): indicateur for indicateur in mesures}
    indicateur = par_pk.get(choisi) or max(mesures, key=lambda i: i.nb_mesures)
    resultat["indicateur"] = indicateur
    valeurs = dict(
        Mesure.objects.filter(
            indicateur=indicateur,
            valeur_realisee__isnull=False,
            evaluation__campagne__projet=portee.projet,
        ).values_list("evaluation__campagne_id", "valeur_realisee")
    )
    unite = f"\u00a0{indicateur.unite}" if indicateur.unite else ""

    def ecrire(valeur):
        return "—" if valeur is None else f"{valeur.normalize():f}{unite}"

    points = [
        Point(
            str(c.annee),
            float(valeurs[c.pk]) if c.pk in valeurs else None,
            ecrire(valeurs.get(c.pk)),
        )
        for c in sorted(portee.campagnes, key=lambda c: c.annee)
    ]
    cible = indicateur.valeur_cible
    resultat["courbe"] = Courbe(
        largeur=760,
        titre=f"{indicateur.libelle} ({indicateur.code_action}) au fil des bilans",
        description=(
            "Valeur réalisée à chaque bilan : "
            + " ; ".join(f"{p.libelle} : {p.texte}" for p in points)
            + (
                f". Cible : {ecrire(cible)} ({indicateur.get_sens_display().lower()})."
                if cible is not None
                else "."
            )
        ),
        colonnes=["Bilan", "Valeur réalisée"],
        points=points,
        cible=float(cible) if cible is not None else None,
        cible_texte=f"Cible : {ecrire(cible)}" if cible is not None else "",
    )
    return resultat


def _par_trimestre(lignes, annees) -> dict:
    """{(year, quarter): counts} of ``lignes`` (with the aliases ``fait`` and ``en_retard``)
    grouped by their échéance's year and quarter."""
    return {
        (ligne["a"], ligne["t"]): ligne
        for ligne in lignes.filter(echeance__year__in=annees)
        .annotate(a=ExtractYear("echeance"), t=ExtractQuarter("echeance"))
        .order_by()
        .values("a", "t")
        .annotate(
            faites=Count("pk", filter=Q(fait=True)),
            en_retard=Count("pk", filter=Q(en_retard=True)),
            total=Count("pk"),
        )
    }


def _echeances(portee: Portee) -> dict:
    """Actions and steps due in each quarter of this year and the next, split into done,
    late and to come: two queries. Each segment links to the actions behind it."""
    annees = (portee.aujourdhui.year, portee.aujourdhui.year + 1)
    trimestres = [(a, t) for a in annees for t in (1, 2, 3, 4)]
    liens = portee.liens
    sortes = {
        "actions": {
            "lignes": portee.actions().alias(
                fait=Q(statut__in=STATUTS_TERMINES), en_retard=q_en_retard(portee.aujourdhui)
            ),
            "filtre": "echeance_trimestre",
            # done, late, to come: the list's filters for each
            "etats": [
                {"statut": list(STATUTS_TERMINES)},
                {"en_retard": "on"},
                {"a_venir": "on"},
            ],
            "series": ["Terminées", "En retard", "À venir"],
            "titre": "Échéances des actions par trimestre",
            "quoi": "Nombre d'actions dont l'échéance tombe dans chaque trimestre, réparties en "
            "terminées, en retard et à venir",
        },
        "etapes": {
            "lignes": Etape.objects.filter(action__in=portee.actions()).alias(
                fait=Q(faite=True),
                en_retard=Q(faite=False, echeance__lt=portee.aujourdhui),
            ),
            "filtre": "etape_trimestre",
            "etats": [
                {"etape_etat": "faite"},
                {"etape_etat": "en_retard"},
                {"etape_etat": "a_venir"},
            ],
            "series": ["Faites", "En retard", "À venir"],
            "titre": "Échéances des étapes par trimestre",
            "quoi": "Nombre d'étapes des fiches dont l'échéance tombe dans chaque trimestre, "
            "réparties en faites, en retard et à venir",
        },
    }
    graphiques = {}
    for nom, sorte in sortes.items():
        comptes = _par_trimestre(sorte["lignes"], annees)
        lignes = []
        for a, t in trimestres:
            code = code_trimestre(a, t)
            ligne = comptes.get((a, t), {"faites": 0, "en_retard": 0, "total": 0})
            valeurs = [
                ligne["faites"],
                ligne["en_retard"],
                ligne["total"] - ligne["faites"] - ligne["en_retard"],
            ]
            lignes.append(
                LigneEmpilee(
                    libelle=libelle_trimestre(a, t),
                    lien=liens(**{sorte["filtre"]: code}),
                    segments=[
                        Segment(valeur, str(valeur), liens(**{sorte["filtre"]: code}, **etat))
                        for valeur, etat in zip(valeurs, sorte["etats"], strict=True)
                    ],
                    total_texte=str(ligne["total"]),
                )
            )
        graphiques[nom] = BarresEmpilees(
            largeur=530,
            titre=f"{sorte['titre']} ({annees[0]} et {annees[1]})",
            description=(
                f"{sorte['quoi']} : "
                + " ; ".join(f"{ligne.libelle} : {ligne.total_texte}" for ligne in lignes)
                + "."
            ),
            colonnes=["Trimestre"],
            series=[
                Serie(libelle, couleur)
                for libelle, couleur in zip(sorte["series"], (VERT, ROUGE, BLEU), strict=True)
            ],
            lignes=lignes,
        )
    return graphiques


def _budget(portee: Portee, axes: list) -> dict:
    """Planned and realised amounts per axe and per year: one query."""
    lignes = list(
        LigneBudget.objects.filter(action__in=portee.actions())
        .order_by()
        .values("annee", axe=F("action__objectif__axe"))
        .annotate(prevu=Sum("montant_prevu"), realise=Sum("montant_realise"))
    )
    if not lignes:
        return {"vide": True}

    def somme(valeurs):
        valeurs = [v for v in valeurs if v is not None]
        return sum(valeurs, Decimal(0)) if valeurs else None

    series = [Serie("Prévu", GRIS), Serie("Réalisé", VIOLET)]
    par_axe = []
    for axe in axes:
        siennes = [ligne for ligne in lignes if ligne["axe"] == axe.pk]
        if not siennes:
            continue
        prevu = somme(ligne["prevu"] for ligne in siennes)
        realise = somme(ligne["realise"] for ligne in siennes)
        par_axe.append(
            LigneGroupee(
                libelle=f"Axe {axe.numero}. {axe.intitule}",
                valeurs=[
                    Segment(float(prevu or 0), euros(prevu)),
                    Segment(float(realise or 0), euros(realise)),
                ],
                lien=Liens({})(axe=axe.pk),
            )
        )
    par_annee = []
    liens = portee.liens
    for annee in sorted({ligne["annee"] for ligne in lignes}):
        siennes = [ligne for ligne in lignes if ligne["annee"] == annee]
        prevu = somme(ligne["prevu"] for ligne in siennes)
        realise = somme(ligne["realise"] for ligne in siennes)
        par_annee.append(
            LigneGroupee(
                libelle=str(annee),
                valeurs=[
                    Segment(float(prevu or 0), euros(prevu)),
                    Segment(float(realise or 0), euros(realise)),
                ],
                lien=liens(budget_annee=annee),
            )
        )
    prevu = somme(ligne["prevu"] for ligne in lignes)
    realise = somme(ligne["realise"] for ligne in lignes)

    def description(quoi, rangs):
        return (
            f"Budget prévu et réalisé {quoi} : "
            + " ; ".join(
                f"{r.libelle} : prévu {r.valeurs[0].texte}, réalisé {r.valeurs[1].texte}"
                for r in rangs
            )
            + "."
        )

    return {
        "vide": False,
        "prevu": euros(prevu),
        "realise": euros(realise),
        "taux": pourcent(100 * realise / prevu if prevu and realise is not None else None),
        "par_axe": BarresGroupees(
            largeur=530,
            titre="Budget par axe, toutes années",
            description=description("par axe", par_axe),
            colonnes=["Axe"],
            series=series,
            lignes=par_axe,
        )
        if portee.axe is None
        else None,
        "par_annee": BarresGroupees(
            largeur=530,
            titre="Budget par année",
            description=description("par année", par_annee),
            colonnes=["Année"],
            series=series,
            lignes=par_annee,
        ),
    }


def _transversal(portee: Portee, fiches: dict) -> dict:
    """The two transversal points of the projet: partnership and communication."""
    total = fiches["total"]
    liens = portee.liens
    avec_partenaires = fiches["avec_partenaires"]
    avec_communication = fiches["avec_communication"]
    partenaires = list(
        ActionPartenaire.objects.filter(action__in=portee.actions())
        .order_by()
        .values("partenaire", nom=F("partenaire__nom"))
        .annotate(n=Count("action", distinct=True))
        .order_by("-n", "nom")[:NB_PARTENAIRES]
    )
    return {
        "parts": Barres(
            largeur=530,
            titre="Les deux points transversaux",
            description=(
                f"{avec_partenaires} actions sur {total} sont menées avec des partenaires "
                f"({pourcent(part(avec_partenaires, total))}) ; {avec_communication} sur "
                f"{total} ont un volet communication ({pourcent(part(avec_communication, total))})."
            ),
            colonnes=["Point transversal", "Part des actions", "Actions"],
            maximum=100,
            barres=[
                Barre(
                    "Actions menées avec des partenaires",
                    part(avec_partenaires, total),
                    f"{pourcent(part(avec_partenaires, total))} ({avec_partenaires} / {total})",
                    BLEU,
                    liens(partenaires="avec"),
                    [f"{avec_partenaires} / {total}"],
                ),
                Barre(
                    "Actions avec un volet communication",
                    part(avec_communication, total),
                    f"{pourcent(part(avec_communication, total))} ({avec_communication} / {total})",
                    VIOLET,
                    liens(communication="avec"),
                    [f"{avec_communication} / {total}"],
                ),
            ],
        ),
        "sans_partenaires": total - avec_partenaires,
        "lien_sans_partenaires": liens(partenaires="sans"),
        "sans_communication": total - avec_communication,
        "lien_sans_communication": liens(communication="sans"),
        "partenaires": Barres(
            largeur=530,
            titre=f"Les {len(partenaires)} partenaires les plus engagés",
            description=(
                "Nombre d'actions auxquelles participe chaque partenaire : "
                + " ; ".join(f"{p['nom']} : {p['n']}" for p in partenaires)
                + "."
            ),
            colonnes=["Partenaire", "Actions"],
            barres=[
                Barre(
                    p["nom"],
                    p["n"],
                    pluriel(p["n"], "action"),
                    BLEU,
                    liens(partenaire=p["partenaire"]),
                )
                for p in partenaires
            ],
        )
        if partenaires
        else None,
    }


def _besoins(portee: Portee) -> dict:
    """The ABS needs and how many actions of the scope answer each: one query."""
    besoins = list(
        BesoinSocial.objects.du_projet(portee.projet)
        .annotate(n=Count("actions", filter=Q(actions__in=portee.actions()), distinct=True))
        .order_by("thematique", "pk")
    )
    liens = portee.liens
    sans = [besoin for besoin in besoins if not besoin.n]
    return {
        "tous": besoins,
        "sans_action": sans,
        "graphique": Barres(
            largeur=760,
            titre="Besoins de l'analyse des besoins sociaux et actions qui y répondent",
            description=(
                f"{len(besoins) - len(sans)} besoins sur {len(besoins)} ont au moins une "
                f"action qui y répond ; {len(sans)} n'en ont aucune. "
                + " ; ".join(f"{b.thematique} : {pluriel(b.n, 'action')}" for b in besoins)
                + "."
            ),
            colonnes=["Besoin", "Actions qui y répondent"],
            barres=[
                Barre(
                    b.thematique,
                    b.n,
                    pluriel(b.n, "action") if b.n else "aucune action",
                    BLEU,
                    liens(besoin=b.pk) if b.n else reverse("axes:besoin", args=[b.pk]),
                    quoi="voir les actions" if b.n else "voir le besoin",
                )
                for b in besoins
            ],
        )
        if besoins
        else None,
    }


def _comparaison(portee: Portee, axes: list, par_axe: dict, statut_par_action: dict) -> dict:
    """The compared review beside the chosen one, older first: progress per axe, and the
    actions whose statut changed between them."""
    par_campagne = {
        portee.campagne.pk: (par_axe, statut_par_action),
        portee.comparee.pk: (
            avancements(portee.projet, portee.comparee)[1],
            _statut_par_action(portee, portee.comparee),
        ),
    }
    avant, apres = sorted((portee.campagne, portee.comparee), key=lambda c: (c.annee, c.pk))
    (par_axe_avant, statut_avant), (par_axe_apres, statut_apres) = (
        par_campagne[avant.pk],
        par_campagne[apres.pk],
    )
    vide = Avancement(moyenne=None, evaluees=0, comptees=0, campagne=None)
    lignes = []
    for axe in axes:
        if portee.axe is not None and axe != portee.axe:
            continue
        a, b = par_axe_avant.get(axe.numero, vide), par_axe_apres.get(axe.numero, vide)
        lignes.append(
            LigneGroupee(
                libelle=f"Axe {axe.numero}. {axe.intitule}",
                valeurs=[
                    Segment(a.moyenne or 0, pourcent(a.moyenne)),
                    Segment(b.moyenne or 0, pourcent(b.moyenne)),
                ],
                lien=Liens({})(axe=axe.pk),
            )
        )
    labels = dict(StatutAction.choices)
    changements = [
        {
            "pk": pk,
            "code": fiche[0],
            "intitule": fiche[1],
            "avant": labels[statut_avant[pk][0]],
            "apres": labels[statut],
        }
        for pk, (statut, fiche) in statut_apres.items()
        if pk in statut_avant and statut_avant[pk][0] != statut
    ]
    changements.sort(key=lambda c: [int(n) for n in c["code"].split(".")])
    return {
        "avant": avant,
        "apres": apres,
        "graphique": BarresGroupees(
            largeur=620,
            titre=f"Avancement par axe : {avant} et {apres}",
            description=(
                f"Avancement moyen de chaque axe au {avant} puis au {apres} : "
                + " ; ".join(
                    f"{ligne.libelle} : {ligne.valeurs[0].texte} puis {ligne.valeurs[1].texte}"
                    for ligne in lignes
                )
                + "."
            ),
            colonnes=["Axe"],
            series=[Serie(str(avant), GRIS), Serie(str(apres), BLEU)],
            lignes=lignes,
            maximum=100,
        ),
        "changements": changements,
    }
