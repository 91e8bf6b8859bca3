"""The yearly review (bilan annuel) as a whole: opening a campaign with its empty evaluations,
and reading it line by line: as it is now (open campaign), or from the rows its closing wrote
(closed campaign: its page and dossier never change). Closing and reopening are
``Campagne.clore`` and ``Campagne.rouvrir``; progress is ``Campagne.avancement*``."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef

from actions.enums import STATUTS_TERMINES, SensIndicateur, StatutAction, TypeIndicateur
from actions.models import ORDRE_CODE, Action, Indicateur, Partenaire
from axes.models import Axe, BesoinSocial, ProjetSocial
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from evaluations.models import ActionDecidee, Avancement, Campagne, Evaluation, Mesure, Reunion
from projet_social.search import cle_de_tri

# --- Opening and preparing -----------------------------------------------------------------


def ouvrir_campagne(
    projet: ProjetSocial, annee: int, user: AbstractBaseUser | None = None
) -> tuple[Campagne, int]:
    """Open the campaign of ``annee`` and prepare its evaluations, in one transaction.
    The caller has checked the year (see CampagneOuvertureForm); a concurrent opening of the
    same year raises IntegrityError and leaves nothing behind."""
    with transaction.atomic():
        campagne = Campagne(projet=projet, annee=annee, statut=StatutCampagne.OUVERTE)
        campagne._change_reason = "Ouverture du bilan"
        campagne.save()
        nombre = campagne.preparer_evaluations(user)
    return campagne, nombre


# --- The lines of the review ----------------------------------------------------------------


class Etat:
    """Where an action stands in the review (shown in the table, used by the filters)."""

    EVALUEE = "evaluee"
    A_EVALUER = "a_evaluer"
    NON_CONCERNEE = "non_concernee"  # abandoned before the campaign, and not evaluated in it

    LIBELLES = {
        EVALUEE: "Évaluée",
        A_EVALUER: "À évaluer",
        NON_CONCERNEE: "Non concernée (abandonnée)",
    }


@dataclass
class LigneBilan:
    """One action in a review: what the page, its filters and the dossier show of it, read
    from today's fiche and evaluation (open review) or from the closed review's row."""

    action_id: int | None
    code: str
    intitule: str
    numero_axe: int
    intitule_axe: str
    couleur_axe: str
    code_objectif: str
    intitule_objectif: str
    pilote_id: int | None
    pilote_nom: str
    statut_fiche: str
    echeance: datetime.date | None
    statut: str
    avancement: int | None
    avancement_annee: int | None
    evaluee: bool
    nouvelle: bool
    annee: int
    evaluation: Any = None
    peut_evaluer: bool = False
    motif_abandon: str = ""
    mesures: "list[MesureDuBilan]" = field(default_factory=list)  # see ``lire_les_mesures``

    @property
    def fiche_existe(self) -> bool:
        return self.action_id is not None

    @property
    def statut_libelle(self) -> str:
        return StatutAction(self.statut).label

    @property
    def hors_avancement(self) -> bool:
        return self.avancement is None

    @property
    def etat(self) -> str:
        if self.evaluee:
            return Etat.EVALUEE
        if self.hors_avancement:
            return Etat.NON_CONCERNEE
        return Etat.A_EVALUER

    @property
    def etat_libelle(self) -> str:
        return Etat.LIBELLES[self.etat]

    @property
    def origine_avancement(self) -> str:
        """Where the figure comes from, shown beside it: "" when evaluated in this review."""
        return origine_avancement(self.avancement, self.avancement_annee, self.statut, self.annee)

    @property
    def taux(self) -> int | None:
        return self.avancement

    @property
    def appreciation(self) -> str:
        return self.evaluation.appreciation if self.evaluation is not None else ""

    @property
    def appreciation_libelle(self) -> str:
        return Appreciation(self.appreciation).label if self.appreciation else ""

    def en_retard_le(self, jour: datetime.date) -> bool:
        """The rule of lateness (``actions.models.q_en_retard``) on the fiche as this line
        has it: its échéance is before ``jour`` and it is neither réalisée nor abandonnée."""
        return (
            self.echeance is not None
            and self.echeance < jour
            and self.statut_fiche not in STATUTS_TERMINES
        )


def origine_avancement(
    avancement: int | None, annee_source: int | None, statut: str, annee: int | None
) -> str:
    """ "repris du Bilan 2024", "non évaluée", "réalisée" or "" (evaluated in the review
    ``annee``): how every screen labels an action's avancement."""
    if avancement is None:
        return "hors avancement"
    if annee_source is not None and annee_source == annee:
        return ""
    if annee_source is not None:
        return f"repris du Bilan {annee_source}"
    if statut == StatutAction.REALISEE:
        return "réalisée"
    return "non évaluée"


def _ligne(
    ligne: Evaluation, campagne: Campagne, evaluation: Evaluation | None, pilote_id=None
) -> LigneBilan:
    """A line of the review from an evaluation row carrying its snapshot (written at the
    closing, or by ``Evaluation.figer`` in memory for an open review)."""
    return LigneBilan(
        action_id=ligne.action_id,
        code=ligne.code_fige,
        intitule=ligne.intitule_action,
        numero_axe=ligne.numero_axe,
        intitule_axe=ligne.intitule_axe,
        couleur_axe=ligne.couleur_axe,
        code_objectif=f"{ligne.numero_axe}.{ligne.numero_objectif}",
        intitule_objectif=ligne.intitule_objectif,
        pilote_id=pilote_id,
        pilote_nom=ligne.pilote_nom,
        statut_fiche=ligne.statut_fiche,
        echeance=ligne.echeance_fiche,
        statut=ligne.statut_bilan,
        avancement=ligne.avancement,
        avancement_annee=ligne.avancement_annee,
        evaluee=bool(ligne.appreciation),
        nouvelle=ligne.action_nouvelle,
        annee=campagne.annee,
        evaluation=evaluation,
        motif_abandon=ligne.motif_abandon_fiche,
    )


def origine_de(action, campagne: Campagne | None) -> str:
    """``origine_avancement`` for an action annotated by ``avancement_des_actions`` (the
    screens outside the review page): also "pas au Bilan 2025" for a fiche created after the
    closing of the latest review."""
    if campagne is not None and campagne.est_close and not action.dans_bilan:
        return f"pas au {campagne}"
    return origine_avancement(
        action.avancement,
        action.avancement_annee,
        action.statut_bilan,
        campagne.annee if campagne is not None else None,
    )


def lignes_du_bilan(campagne: Campagne) -> list[LigneBilan]:
    """Every action of the review in code order, in a fixed number of queries: a closed
    review's rows (one query); an open review's fiches with their avancement and
    evaluations (two queries), given in memory the copy the closing would write, so that
    both read the same fields."""
    if campagne.est_close:
        return [_ligne(ligne, campagne, ligne) for ligne in campagne.lignes_figees()]
    actions = (
        campagne.avancement_des_actions(
            Action.objects.du_projet(campagne.projet_id).select_related("objectif__axe", "pilote")
        )
        .annotate(
            nouvelle=Exists(ActionDecidee.objects.filter(campagne=campagne, action=OuterRef("pk")))
        )
        .order_by(*ORDRE_CODE)
    )
    evaluations = {
        evaluation.action_id: evaluation
        for evaluation in Evaluation.objects.filter(campagne=campagne).order_by()
    }
    lignes = []
    for action in actions:
        evaluation = evaluations.get(action.pk)
        copie = evaluation or Evaluation(campagne=campagne, action=action)
        copie.figer(action)  # in memory only: the review is open
        lignes.append(_ligne(copie, campagne, evaluation, pilote_id=action.pilote_id))
    return lignes


@dataclass
class AxeDuBilan:
    """An axe as the review shows it (as it was at the closing for a closed review)."""

    numero: int
    intitule: str
    couleur: str
    avancement: Avancement

    def __str__(self) -> str:
        return f"Axe {self.numero} : {self.intitule}"


def axes_du_bilan(
    campagne: Campagne, lignes: list[LigneBilan], par_axe: dict[int, Avancement]
) -> list[AxeDuBilan]:
    """The axes of the review's lines (as they were at the closing for a closed review),
    each with its progress from ``par_axe`` (``Campagne.avancement_par_axe``)."""
    axes = {}
    for ligne in lignes:
        if ligne.numero_axe not in axes:
            axes[ligne.numero_axe] = AxeDuBilan(
                numero=ligne.numero_axe,
                intitule=ligne.intitule_axe,
                couleur=ligne.couleur_axe,
                avancement=par_axe.get(
                    ligne.numero_axe,
                    Avancement(moyenne=None, evaluees=0, comptees=0, campagne=campagne),
                ),
            )
    return sorted(axes.values(), key=lambda axe: axe.numero)


@dataclass
class Decisions:
    """What the réunion partenariale decided, as the evaluations and fiches record it."""

    reajustees: list[LigneBilan] = field(default_factory=list)
    reportees: list[LigneBilan] = field(default_factory=list)
    abandonnees: list[LigneBilan] = field(default_factory=list)
    nouvelles: list[LigneBilan] = field(default_factory=list)


def decisions(lignes: list[LigneBilan]) -> Decisions:
    """Réajustées: réajustements proposés written; reportées: statut reportée or a new
    échéance; abandonnées: statut abandonnée in the evaluation; nouvelles: actions the
    review decided."""
    resultat = Decisions()
    for ligne in lignes:
        evaluation = ligne.evaluation
        if ligne.nouvelle:
            resultat.nouvelles.append(ligne)
        if evaluation is None or not ligne.evaluee:
            continue
        if evaluation.reajustements.strip():
            resultat.reajustees.append(ligne)
        if evaluation.statut == StatutAction.REPORTEE or evaluation.nouvelle_echeance:
            resultat.reportees.append(ligne)
        if evaluation.statut == StatutAction.ABANDONNEE:
            resultat.abandonnees.append(ligne)
    return resultat


# --- What the dossier of a review reads besides its lines -----------------------------------


@dataclass
class MesureDuBilan:
    """An indicator of an action in a review, with its value there: the indicator as it
    was at the closing for a closed review, as it is now for an open one."""

    code_action: str
    libelle: str
    type: str
    unite: str
    cible: Decimal | None
    sens: str
    valeur: Decimal | None
    commentaire: str
    atteinte: Decimal | None

    @property
    def type_libelle(self) -> str:
        return TypeIndicateur(self.type).label if self.type else ""

    @property
    def baisse(self) -> bool:
        return self.sens == SensIndicateur.BAISSE

    @property
    def a_la_cible(self) -> bool:
        """On target: an attainment of 100 % or more, as rounded for display."""
        return self.atteinte is not None and self.atteinte >= 100


def lire_les_mesures(campagne: Campagne, lignes: list[LigneBilan]) -> None:
    """Give each line its indicators with their value in the review (``ligne.mesures``): a
    closed review's measures with the copy of their indicator (one query); an open
    review's indicators of today's fiches, each with its measure if any (two queries)."""
    if campagne.est_close:
        par_evaluation: dict[int, list[Mesure]] = {}
        for mesure in Mesure.objects.filter(evaluation__campagne=campagne).order_by("pk"):
            par_evaluation.setdefault(mesure.evaluation_id, []).append(mesure)
        for ligne in lignes:
            ligne.mesures = [
                MesureDuBilan(
                    code_action=ligne.code,
                    libelle=mesure.indicateur_libelle,
                    type=mesure.indicateur_type,
                    unite=mesure.indicateur_unite,
                    cible=mesure.indicateur_cible,
                    sens=mesure.indicateur_sens,
                    valeur=mesure.valeur_realisee,
                    commentaire=mesure.commentaire,
                    atteinte=mesure.atteinte,
                )
                for mesure in par_evaluation.get(ligne.evaluation.pk, [])
            ]
        return
    valeurs = {
        (mesure.action_pk, mesure.indicateur_id): mesure
        for mesure in Mesure.objects.filter(evaluation__campagne=campagne)
        .annotate(action_pk=F("evaluation__action_id"))
        .order_by()
    }
    par_action: dict[int, list[Indicateur]] = {}
    for indicateur in Indicateur.objects.filter(
        action__in=Action.objects.du_projet(campagne.projet_id)
    ).order_by("action_id", "pk"):
        par_action.setdefault(indicateur.action_id, []).append(indicateur)
    for ligne in lignes:
        ligne.mesures = []
        for indicateur in par_action.get(ligne.action_id, []):
            mesure = valeurs.get((ligne.action_id, indicateur.pk))
            valeur = mesure.valeur_realisee if mesure is not None else None
            ligne.mesures.append(
                MesureDuBilan(
                    code_action=ligne.code,
                    libelle=indicateur.libelle,
                    type=indicateur.type,
                    unite=indicateur.unite,
                    cible=indicateur.valeur_cible,
                    sens=indicateur.sens,
                    valeur=valeur,
                    commentaire=mesure.commentaire if mesure is not None else "",
                    atteinte=indicateur.atteinte(valeur),
                )
            )


@dataclass
class BesoinDuBilan:
    """A need of the ABS and the review's lines of the actions answering it."""

    thematique: str
    constat: str
    chiffre_cle: str
    source: str
    actions: list[LigneBilan]


def besoins_du_bilan(campagne: Campagne, lignes: list[LigneBilan]) -> list[BesoinDuBilan]:
    """The ABS needs and the actions answering them: as recorded at the closing for a
    closed review (no query), as they are for an open one (two queries)."""
    if campagne.est_close:
        par_code = {ligne.code: ligne for ligne in lignes}
        return [
            BesoinDuBilan(
                thematique=besoin["thematique"],
                constat=besoin["constat"],
                chiffre_cle=besoin["chiffre_cle"],
                source=besoin["source"],
                actions=[par_code[code] for code in besoin["actions"] if code in par_code],
            )
            for besoin in campagne.besoins_cloture
        ]
    par_action = {ligne.action_id: ligne for ligne in lignes}
    liens: dict[int, list[LigneBilan]] = {}
    for besoin_id, action_id in (
        Action.besoins.through.objects.filter(besoinsocial__projet_id=campagne.projet_id)
        .order_by()
        .values_list("besoinsocial_id", "action_id")
    ):
        if action_id in par_action:
            liens.setdefault(besoin_id, []).append(par_action[action_id])
    ordre = {id(ligne): rang for rang, ligne in enumerate(lignes)}  # the code order
    return [
        BesoinDuBilan(
            thematique=besoin.thematique,
            constat=besoin.constat,
            chiffre_cle=besoin.chiffre_cle,
            source=besoin.source,
            actions=sorted(liens.get(besoin.pk, []), key=lambda ligne: ordre[id(ligne)]),
        )
        for besoin in BesoinSocial.objects.du_projet(campagne.projet_id).order_by(
            "thematique", "pk"
        )
    ]


@dataclass
class ReunionDuBilan:
    """A réunion partenariale of a review, with its partners present and the axes discussed
    (their names as recorded at the closing for a closed review)."""

    reunion: Reunion
    partenaires: list[str]
    axes: list[str]

    @property
    def participants(self) -> list[tuple[str, int]]:
        """(category, number) for each category of participants, in the model's order."""
        return [
            (Reunion._meta.get_field(champ).verbose_name, getattr(self.reunion, champ))
            for champ in Reunion.CATEGORIES
        ]


def reunions_du_bilan(campagne: Campagne) -> list[ReunionDuBilan]:
    """The réunions partenariales of the review, in date order: one query for a closed
    review, three for an open one."""
    reunions = Reunion.objects.filter(campagne=campagne, type=TypeReunion.BILAN_ANNUEL).order_by(
        "date", "pk"
    )
    if campagne.est_close:
        return [
            ReunionDuBilan(reunion, list(reunion.partenaires_cloture), list(reunion.axes_cloture))
            for reunion in reunions
        ]
    reunions = reunions.prefetch_related(
        models.Prefetch(
            "partenaires", queryset=Partenaire.objects.order_by(cle_de_tri("nom"), "pk")
        ),
        models.Prefetch("axes", queryset=Axe.objects.order_by("numero", "pk")),
    )
    return [
        ReunionDuBilan(
            reunion,
            [partenaire.nom for partenaire in reunion.partenaires.all()],
            [str(axe) for axe in reunion.axes.all()],
        )
        for reunion in reunions
    ]
