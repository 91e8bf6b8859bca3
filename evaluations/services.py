"""The yearly review (bilan annuel) as a whole: opening a campaign with its empty evaluations,
closing and reopening it, and reading it line by line, as it is now (open campaign) or as it was
when it closed (closed campaign: the fiches and evaluations are read from their history, so the
page and the printed dossier of that year never change)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actions.enums import StatutAction
from actions.models import Action
from axes.models import Axe, Objectif, ProjetSocial
from evaluations.enums import Appreciation, StatutCampagne
from evaluations.models import Campagne, Evaluation

HistoricalAction = Action.history.model
HistoricalEvaluation = Evaluation.history.model


def nom_utilisateur(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


# --- Opening, preparing, closing, reopening -------------------------------------------------


def actions_sans_evaluation(campagne: Campagne):
    """The projet's actions, not abandoned, that have no evaluation in ``campagne`` yet."""
    return (
        Action.objects.du_projet(campagne.projet_id)
        .exclude(statut=StatutAction.ABANDONNEE)
        .exclude(evaluations__campagne=campagne)
    )


def preparer_evaluations(campagne: Campagne, user: AbstractBaseUser | None = None) -> int:
    """Create an empty evaluation (no appréciation, taux 0, the fiche's statut) for every
    action of the projet that is not abandoned and has none in ``campagne``; each gets its
    history row. Returns how many were created."""
    with transaction.atomic():
        evaluations = [
            Evaluation(
                campagne=campagne,
                action_id=action_id,
                statut=statut,
                taux_realisation=0,
                appreciation="",
            )
            for action_id, statut in actions_sans_evaluation(campagne)
            .order_by("pk")
            .values_list("pk", "statut")
        ]
        if evaluations:
            bulk_create_with_history(
                evaluations,
                Evaluation,
                batch_size=500,
                default_user=user,
                default_change_reason=f"Préparation du {campagne}",
            )
    return len(evaluations)


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
        nombre = preparer_evaluations(campagne, user)
    return campagne, nombre


def clore_campagne(campagne: Campagne) -> None:
    """Freeze the campaign: from now on its page and dossier show the fiches as they are.
    The caller locks the row and checks that the campaign is open, in its transaction."""
    campagne.statut = StatutCampagne.CLOSE
    campagne.closed_at = timezone.now()
    campagne._change_reason = "Clôture du bilan"
    campagne.save_versioned(campagne.version)  # a form opened before cannot reopen it


def rouvrir_campagne(campagne: Campagne, user: AbstractBaseUser) -> None:
    """Reopen a closed campaign (administrators): a recorded act; the next closing dates the
    frozen dossier again. The caller locks the row, as for closing."""
    campagne.statut = StatutCampagne.OUVERTE
    campagne.closed_at = None
    campagne._change_reason = f"Réouverture par {nom_utilisateur(user)}"
    campagne.save_versioned(campagne.version)


# --- The campaign as it was when it closed --------------------------------------------------


def _a_la_date(historique, moment: datetime.datetime):
    """The latest historical row of each object at ``moment``, objects deleted by then left
    out: one query (a correlated subquery picks each object's latest row)."""
    derniere = (
        historique.filter(id=OuterRef("id"), history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return historique.filter(history_id=Subquery(derniere)).exclude(history_type="-")


def fiches_a_la_cloture(campagne: Campagne) -> dict[int, Any]:
    """{action id: HistoricalAction} — each fiche of the projet as it was when ``campagne``
    closed, with its objective, axe and pilote (one query). Fiches created after the closing
    are absent; a fiche deleted since is still there."""
    if campagne.closed_at is None:
        return {}
    fiches = (
        _a_la_date(HistoricalAction.objects.all(), campagne.closed_at)
        .filter(objectif__axe__projet_id=campagne.projet_id)
        .select_related("objectif__axe", "pilote")
        .order_by("objectif__axe__numero", "objectif__numero", "numero", "id")
    )
    return {fiche.id: fiche for fiche in fiches}


def annoter_progression(campagnes):
    """Annotate ``nb_evaluees`` and ``nb_a_evaluer`` on campaigns, counted as the campaign
    page counts them (see ``LigneBilan.etat``), in one query whatever the number of campaigns:

    - evaluated: an appréciation chosen;
    - to evaluate: an evaluation without appréciation whose statut is not abandonnée, plus
      every action of the projet, not abandoned, without an evaluation in the campaign —
      today's fiches for an open campaign, the fiches as at the closing for a closed one.

    Evaluations are counted from the table: a closed campaign's are frozen (except those of
    a fiche deleted since, which the page still shows from the history)."""
    encours = [statut for statut in StatutAction.values if statut != StatutAction.ABANDONNEE]
    campagne, closed_at = OuterRef(OuterRef("pk")), OuterRef(OuterRef("closed_at"))

    sans_evaluation_ouverte = (
        Action.objects.filter(objectif__axe__projet=OuterRef("projet"), statut__in=encours)
        .filter(~Exists(Evaluation.objects.filter(campagne=campagne, action=OuterRef("pk"))))
        .order_by()
        .values("objectif__axe__projet")
        .annotate(n=Count("pk"))
        .values("n")
    )
    derniere = (
        HistoricalAction.objects.filter(id=OuterRef("id"), history_date__lte=closed_at)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    evaluee_a_la_cloture = HistoricalEvaluation.objects.filter(
        campagne_id=campagne, action_id=OuterRef("id"), history_date__lte=closed_at
    )
    sans_evaluation_close = (
        HistoricalAction.objects.filter(
            objectif__axe__projet=OuterRef("projet"),
            history_id=Subquery(derniere),
            statut__in=encours,
        )
        .exclude(history_type="-")
        .filter(~Exists(evaluee_a_la_cloture))
        .order_by()
        .values("objectif__axe__projet")
        .annotate(n=Count("history_id"))
        .values("n")
    )
    sans_evaluation = Case(
        When(
            statut=StatutCampagne.CLOSE,
            then=Coalesce(Subquery(sans_evaluation_close, output_field=IntegerField()), 0),
        ),
        default=Coalesce(Subquery(sans_evaluation_ouverte, output_field=IntegerField()), 0),
    )

    # Correlated subqueries rather than a JOIN + GROUP BY: grouped, the CASE above would be
    # evaluated once per joined evaluation row (seconds on a plan of 400 actions).
    def compter(**filtre) -> Coalesce:
        evaluations = (
            Evaluation.objects.filter(campagne=OuterRef("pk"), **filtre)
            .order_by()
            .values("campagne")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(evaluations, output_field=IntegerField()), 0)

    return campagnes.annotate(
        nb_evaluees=compter(appreciation__in=Appreciation.values),
        nb_a_evaluer=compter(appreciation="", statut__in=encours) + sans_evaluation,
    )


def evaluations_a_la_cloture(campagne: Campagne) -> dict[int, Any]:
    """{action id: HistoricalEvaluation} — the campaign's evaluations when it closed (one
    query), including those of fiches deleted since (deleting a fiche deletes its evaluations)."""
    if campagne.closed_at is None:
        return {}
    evaluations = _a_la_date(
        HistoricalEvaluation.objects.filter(campagne_id=campagne.pk), campagne.closed_at
    )
    return {evaluation.action_id: evaluation for evaluation in evaluations}


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
    """One action in a campaign: the fiche (today's, or as at the closing) and its evaluation
    (an Evaluation, a HistoricalEvaluation for a closed campaign, or None)."""

    action_id: int
    numero: int
    intitule: str
    objectif: Objectif
    pilote: Any
    statut_fiche: str
    echeance: datetime.date | None
    motif_abandon: str
    campagne_origine_id: int | None
    evaluation: Any = None
    fiche_existe: bool = True
    peut_evaluer: bool = False

    @property
    def pilote_id(self) -> int | None:
        return self.pilote.pk if self.pilote is not None else None

    @property
    def axe(self) -> Axe:
        return self.objectif.axe

    @property
    def code(self) -> str:
        return f"{self.objectif.code}.{self.numero}"

    @property
    def statut(self) -> str:
        """The statut at the date of the campaign: the evaluation's, else the fiche's."""
        return self.evaluation.statut if self.evaluation is not None else self.statut_fiche

    @property
    def statut_libelle(self) -> str:
        return StatutAction(self.statut).label

    @property
    def est_saisie(self) -> bool:
        return self.evaluation is not None and bool(self.evaluation.appreciation)

    @property
    def hors_avancement(self) -> bool:
        return self.statut == StatutAction.ABANDONNEE

    @property
    def etat(self) -> str:
        if self.est_saisie:
            return Etat.EVALUEE
        if self.hors_avancement:
            return Etat.NON_CONCERNEE
        return Etat.A_EVALUER

    @property
    def etat_libelle(self) -> str:
        return Etat.LIBELLES[self.etat]

    @property
    def taux(self) -> int | None:
        """The evaluation's taux; None without an evaluation (counts 0 in the averages)."""
        return self.evaluation.taux_realisation if self.evaluation is not None else None

    @property
    def appreciation(self) -> str:
        return self.evaluation.appreciation if self.evaluation is not None else ""

    @property
    def appreciation_libelle(self) -> str:
        return Appreciation(self.appreciation).label if self.appreciation else ""

    @property
    def pilote_nom(self) -> str:
        return nom_utilisateur(self.pilote) if self.pilote is not None else ""


def _ligne(fiche, evaluation, *, fiche_existe: bool = True) -> LigneBilan:
    return LigneBilan(
        action_id=fiche.id,
        numero=fiche.numero,
        intitule=fiche.intitule,
        objectif=fiche.objectif,
        pilote=fiche.pilote,
        statut_fiche=fiche.statut,
        echeance=fiche.echeance,
        motif_abandon=fiche.motif_abandon,
        campagne_origine_id=fiche.campagne_origine_id,
        evaluation=evaluation,
        fiche_existe=fiche_existe,
    )


def lignes_du_bilan(campagne: Campagne) -> list[LigneBilan]:
    """Every action of the campaign in code order, in a fixed number of queries.

    Open campaign: today's fiches and evaluations (two queries). Closed campaign: the fiches
    and evaluations as they were at the closing (two queries) and which fiches still exist
    (one query, for the links)."""
    if campagne.est_close:
        fiches = fiches_a_la_cloture(campagne)
        evaluations = evaluations_a_la_cloture(campagne)
        existantes = set(Action.objects.filter(pk__in=list(fiches)).values_list("pk", flat=True))
        return [
            _ligne(fiche, evaluations.get(pk), fiche_existe=pk in existantes)
            for pk, fiche in fiches.items()
        ]
    actions = (
        Action.objects.du_projet(campagne.projet_id)
        .select_related("objectif__axe", "pilote")
        .order_by("objectif__axe__numero", "objectif__numero", "numero", "pk")
    )
    evaluations = {
        evaluation.action_id: evaluation
        for evaluation in Evaluation.objects.filter(campagne=campagne).order_by()
    }
    return [_ligne(action, evaluations.get(action.pk)) for action in actions]


@dataclass
class Progression:
    """Evaluated / to evaluate, and the mean taux, for the whole campaign or one axe."""

    evaluees: int = 0
    a_evaluer: int = 0
    moyenne: float | None = None
    axe: Axe | None = None
    sans_evaluation: int = 0

    @property
    def total(self) -> int:
        return self.evaluees + self.a_evaluer

    @property
    def pourcentage(self) -> float | None:
        return 100 * self.evaluees / self.total if self.total else None

    def compter(self, ligne: LigneBilan) -> None:
        if ligne.etat == Etat.EVALUEE:
            self.evaluees += 1
        elif ligne.etat == Etat.A_EVALUER:
            self.a_evaluer += 1
            if ligne.evaluation is None:
                self.sans_evaluation += 1


def moyenne_des_taux(lignes: list[LigneBilan]) -> float | None:
    """The progress rule of DOMAIN.md applied to lines (for a closed campaign, whose fiches
    come from the history): mean taux, 0 without an evaluation, abandoned actions left out.
    Open campaigns use ``ActionQuerySet.avancement`` / ``avancement_par`` (SQL) instead."""
    taux = [ligne.taux or 0 for ligne in lignes if not ligne.hors_avancement]
    return sum(taux) / len(taux) if taux else None


def progression(
    campagne: Campagne, lignes: list[LigneBilan], axes: list[Axe]
) -> tuple[Progression, list[Progression]]:
    """The progress of the whole campaign and of each axe (counts from the lines; means from
    SQL for an open campaign, from the lines as at the closing for a closed one)."""
    total = Progression()
    par_axe = {axe.pk: Progression(axe=axe) for axe in axes}
    lignes_par_axe: dict[int, list[LigneBilan]] = {axe.pk: [] for axe in axes}
    for ligne in lignes:
        total.compter(ligne)
        if ligne.axe.pk in par_axe:
            par_axe[ligne.axe.pk].compter(ligne)
            lignes_par_axe[ligne.axe.pk].append(ligne)
    if campagne.est_close:
        total.moyenne = moyenne_des_taux(lignes)
        for pk, progression_axe in par_axe.items():
            progression_axe.moyenne = moyenne_des_taux(lignes_par_axe[pk])
    else:
        actions = Action.objects.du_projet(campagne.projet_id)
        total.moyenne = actions.avancement(campagne)
        moyennes = actions.avancement_par("objectif__axe", campagne)
        for pk, progression_axe in par_axe.items():
            progression_axe.moyenne = moyennes.get(pk)
    return total, list(par_axe.values())


@dataclass
class Decisions:
    """What the réunion partenariale decided, as the evaluations and fiches record it."""

    reajustees: list[LigneBilan] = field(default_factory=list)
    reportees: list[LigneBilan] = field(default_factory=list)
    abandonnees: list[LigneBilan] = field(default_factory=list)
    nouvelles: list[LigneBilan] = field(default_factory=list)


def decisions(campagne: Campagne, lignes: list[LigneBilan]) -> Decisions:
    """Réajustées: réajustements proposés written; reportées: statut reportée or a new
    échéance; abandonnées: statut abandonnée in the evaluation; nouvelles: actions whose
    fiche names this campaign as its origin."""
    resultat = Decisions()
    for ligne in lignes:
        evaluation = ligne.evaluation
        if ligne.campagne_origine_id == campagne.pk:
            resultat.nouvelles.append(ligne)
        if evaluation is None:
            continue
        if evaluation.reajustements.strip():
            resultat.reajustees.append(ligne)
        if evaluation.statut == StatutAction.REPORTEE or evaluation.nouvelle_echeance:
            resultat.reportees.append(ligne)
        if evaluation.statut == StatutAction.ABANDONNEE:
            resultat.abandonnees.append(ligne)
    return resultat
