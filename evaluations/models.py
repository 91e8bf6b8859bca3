from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from actions.enums import SensIndicateur, StatutAction, TypeIndicateur
from actions.models import Action, Partenaire, atteinte
from axes.models import Axe, BesoinSocial
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from projet_social.champs import texte_libre
from projet_social.generation import memoire
from projet_social.search import cle_de_tri
from projet_social.utilisateurs import nom_affiche
from projet_social.versioning import VersionedModel


def cascade_sauf_bilan_clos(collector, field, sub_objs, using) -> None:
    """on_delete of an evaluation's fiche and of a measure's indicator: the rows of open
    reviews go with the deleted object (CASCADE); a closed review's record never changes.
    A fiche that a closed review lists cannot be deleted (RestrictedError, with a French
    message: archive it instead; not ProtectedError, whose message Django's collector
    replaces by its own, in English); an indicator can, its closed measures stay, detached
    (SET_NULL), with the copy of the indicator they took at the closing."""
    evaluation = field.model._meta.model_name == "evaluation"
    close = Q(**{"campagne__statut" if evaluation else "evaluation__campagne__statut": "close"})
    gardes = sub_objs.filter(close)
    if gardes:
        if evaluation:
            bilans = sorted({str(ligne.campagne) for ligne in gardes.select_related("campagne")})
            raise models.RestrictedError(
                f"Cette fiche figure au {', '.join(bilans)}, clos : elle ne peut plus être "
                "supprimée. Abandonnez-la plutôt (elle reste visible dans les bilans).",
                set(gardes),
            )
        collector.add_field_update(field, None, gardes)
    supprimes = sub_objs.exclude(close)
    if supprimes:
        models.CASCADE(collector, field, supprimes, using)


@dataclass(frozen=True)
class Avancement:
    """A progress figure and its coverage: the mean avancement of the actions counted (not
    abandoned), how many of them were evaluated in the review, how many are counted."""

    moyenne: float | None
    evaluees: int
    comptees: int
    campagne: "Campagne | None"

    @classmethod
    def combiner(cls, parts, campagne: "Campagne | None") -> "Avancement":
        """The progress of a whole from its parts' (each action weighs the same: the mean
        of the parts weighted by the actions they count)."""
        parts = list(parts)
        comptees = sum(part.comptees for part in parts)
        somme = sum(part.moyenne * part.comptees for part in parts if part.moyenne is not None)
        return cls(
            moyenne=somme / comptees if comptees else None,
            evaluees=sum(part.evaluees for part in parts),
            comptees=comptees,
            campagne=campagne,
        )

    @property
    def en_cours_de_saisie(self) -> bool:
        return self.campagne is not None and not self.campagne.est_close

    @property
    def couverture(self) -> str:
        """ "27 / 38 actions évaluées au Bilan 2025" (what every progress figure is shown with)."""
        if self.campagne is None:
            return f"aucun bilan annuel : {self.comptees} action{'s' if self.comptees > 1 else ''}"
        pluriel = "s" if self.comptees > 1 else ""  # "1 / 4 actions évaluées"
        return (
            f"{self.evaluees} / {self.comptees} action{pluriel} évaluée{pluriel} au {self.campagne}"
        )


def _agreger(lignes, campagne: "Campagne | None", par: tuple[str, ...] = ()):
    """Mean avancement and coverage of ``lignes`` (annotated by ``avancement_des_actions``
    or read from a closed review's rows), overall or grouped by ``par``: one query."""
    mesures = {
        "moyenne": models.Avg("avancement", output_field=models.FloatField()),
        "evaluees": models.Count("pk", filter=Q(evaluee=True)),
        "comptees": models.Count("pk"),
    }
    lignes = lignes.filter(avancement__isnull=False).order_by()
    if not par:
        return Avancement(campagne=campagne, **lignes.aggregate(**mesures))
    resultat = {}
    for ligne in lignes.values(*par).annotate(**mesures):
        cle = tuple(ligne.pop(champ) for champ in par)
        resultat[cle[0] if len(cle) == 1 else cle] = Avancement(campagne=campagne, **ligne)
    return resultat


class CampagneQuerySet(models.QuerySet):
    def du_projet(self, projet) -> "CampagneQuerySet":
        return self.filter(projet=projet)

    def ouvertes(self) -> "CampagneQuerySet":
        return self.filter(statut=StatutCampagne.OUVERTE)

    def derniere(self, projet) -> "Campagne | None":
        """The campaign progress is shown for by default: the latest year of the plan."""
        return self.filter(projet=projet).order_by("-annee", "-pk").first()

    def derniere_ouverte(self, projet) -> "Campagne | None":
        """The review being filled in: the latest open campaign of the plan, if any."""
        return self.du_projet(projet).ouvertes().order_by("-annee", "-pk").first()


def derniere_campagne(projet) -> "Campagne | None":
    """``Campagne.objects.derniere(projet)``, kept by the server process until the plan
    changes (projet_social/generation.py): a copy, which the caller may change."""
    projet_id = getattr(projet, "pk", projet)
    return memoire("dernière campagne", (projet_id,), lambda: Campagne.objects.derniere(projet_id))


class Campagne(VersionedModel):
    projet = models.ForeignKey(
        "axes.ProjetSocial",
        on_delete=models.CASCADE,
        related_name="campagnes",
        verbose_name="projet social",
    )
    annee = models.PositiveSmallIntegerField("année évaluée")
    date_reunion = models.DateField("date de la réunion partenariale", null=True, blank=True)
    statut = models.CharField(
        "statut", max_length=10, choices=StatutCampagne.choices, default=StatutCampagne.OUVERTE
    )
    synthese = texte_libre("synthèse", blank=True)
    decisions = texte_libre("décisions de la réunion partenariale", blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True, editable=False)
    # Written when it closes: the ABS needs and the codes of the actions answering them, as
    # they were ([{"thematique", "constat", "chiffre_cle", "source", "actions": ["1.2.3"]}]).
    besoins_cloture = models.JSONField(
        "besoins sociaux (ABS) et actions qui y répondent, à la clôture",
        default=list,
        blank=True,
        editable=False,
    )
    actions_decidees = models.ManyToManyField(
        "actions.Action",
        through="ActionDecidee",
        blank=True,
        related_name="+",
        verbose_name="actions décidées lors du bilan",
        help_text="Actions nouvelles que la réunion partenariale de ce bilan a décidées.",
    )

    history = HistoricalRecords(verbose_name="historique de la campagne")
    objects = CampagneQuerySet.as_manager()
    feminin = True

    class Meta:
        verbose_name = "campagne d'évaluation"
        verbose_name_plural = "campagnes d'évaluation"
        ordering = ["projet", "-annee", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["projet", "annee"],
                name="evaluations_campagne_annee_unique_par_projet",
                violation_error_message="Une campagne existe déjà pour cette année.",
            ),
            models.CheckConstraint(
                condition=Q(statut=StatutCampagne.OUVERTE) | Q(closed_at__isnull=False),
                name="evaluations_campagne_close_datee",
                violation_error_message="Une campagne close doit avoir une date de clôture.",
            ),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.annee}"

    @property
    def est_close(self) -> bool:
        return self.statut == StatutCampagne.CLOSE

    # --- Progress: the one rule of DOMAIN.md, for open and closed reviews alike -------------

    def avancement_des_actions(self, actions=None):
        """``actions`` (default: the projet's) annotated with where each stands in this review:

        - ``avancement``: the taux of its evaluation here when evaluated (an appréciation
          chosen); a réalisée action counts 100; otherwise the avancement it had at the
          previous review (carried forward), 0 when never evaluated; None when the action is
          abandoned (left out of every mean) or, for a closed review, was not in it;
        - ``avancement_annee``: the year of the review that figure comes from (this one,
          an earlier one when carried forward), None for "non évaluée" or a réalisée action
          counted 100 without an evaluation;
        - ``evaluee``: evaluated in this review; ``statut_bilan``: the statut counted.

        An open review computes them from the evaluations; a closed one reads the figures its
        closing wrote on its rows (``Evaluation.avancement`` …)."""
        if actions is None:
            actions = Action.objects.du_projet(self.projet_id)
        return avancement_des_actions(actions, self)

    def lignes_figees(self) -> "EvaluationQuerySet":
        """A closed review's rows, with the copy of each fiche taken at the closing."""
        return self.evaluations.order_by("numero_axe", "numero_objectif", "numero_action", "pk")

    def avancement(self) -> Avancement:
        """The projet's progress in this review, with its coverage: one query."""
        return avancement(self.projet_id, self)

    def avancement_par_axe(self) -> "dict[int, Avancement]":
        """{axe number: progress} (a closed review groups by the axes as they were)."""
        return avancement(self.projet_id, self, par=("axe_numero",))

    def avancement_par_objectif(self) -> "dict[tuple[int, int], Avancement]":
        """{(axe number, objective number): progress}."""
        return avancement(self.projet_id, self, par=("axe_numero", "objectif_numero"))

    # --- The dossier of a closed review, rendered once ----------------------------------

    def dossier_conserve(self, mise_en_page: int) -> bytes | None:
        """The PDF dossier kept for this closed review, rendered with ``mise_en_page`` (the
        dossier's layout version), or None: one query."""
        if not self.est_close:
            return None
        contenu = (
            DossierBilan.objects.filter(campagne=self, mise_en_page=mise_en_page)
            .order_by("pk")
            .values_list("contenu", flat=True)
            .first()
        )
        return bytes(contenu) if contenu is not None else None

    def conserver_dossier(self, contenu: bytes, mise_en_page: int) -> bool:
        """Keep the PDF dossier of this closed review, unless it was reopened (or closed
        anew) while it was being rendered: under a lock on the campaign row, as closing and
        reopening. Returns whether it was kept."""
        with transaction.atomic():
            toujours_close = (
                Campagne.objects.select_for_update()
                .filter(pk=self.pk, statut=StatutCampagne.CLOSE, closed_at=self.closed_at)
                .exists()
            )
            if not toujours_close:
                return False
            DossierBilan.objects.filter(campagne=self).delete()  # of an older layout
            DossierBilan.objects.create(campagne=self, contenu=contenu, mise_en_page=mise_en_page)
        return True

    # --- Closing and reopening ----------------------------------------------------------

    def clore(self, par) -> None:
        """Close the review: in one transaction, under a lock on the campaign row, write on
        its own rows what its page and dossier will print forever (a copy of each fiche and
        the avancement counted; a row, marked not evaluated, for each action that had none;
        each measure's indicator; its meetings' partners and axes), then freeze it.
        Raises CampagneDejaClose when it was closed in between."""
        with transaction.atomic():
            verrouillee = Campagne.objects.select_for_update().get(pk=self.pk)
            if verrouillee.est_close:
                raise CampagneDejaClose(verrouillee)
            verrouillee.figer(par)
            DossierBilan.objects.filter(campagne=verrouillee).delete()
            # The locked row, not this object: a synthèse saved since it was read is kept.
            verrouillee.statut = StatutCampagne.CLOSE
            verrouillee.closed_at = timezone.now()
            verrouillee.version += 1
            verrouillee._change_reason = "Clôture du bilan"
            verrouillee._history_user = par
            verrouillee.save()
        self.refresh_from_db()

    def preparer_evaluations(self, par, *, abandonnees: bool = False, raison: str = "") -> int:
        """Create an empty evaluation (no appréciation, the fiche's statut, taux 0, or 100
        for a réalisée fiche) for every action of the projet that has none in this review,
        abandoned ones only when ``abandonnees`` (the closing gives every action a row);
        each gets its history row. Returns how many were created."""
        actions = Action.objects.du_projet(self.projet_id).exclude(evaluations__campagne=self)
        if not abandonnees:
            actions = actions.exclude(statut=StatutAction.ABANDONNEE)
        evaluations = [
            Evaluation(
                campagne=self,
                action_id=pk,
                statut=statut,
                taux_realisation=100 if statut == StatutAction.REALISEE else 0,
            )
            for pk, statut in actions.order_by("pk").values_list("pk", "statut")
        ]
        with transaction.atomic():
            if evaluations:
                bulk_create_with_history(
                    evaluations,
                    Evaluation,
                    batch_size=500,
                    default_user=par,
                    default_change_reason=raison or f"Préparation du {self}",
                )
        return len(evaluations)

    def figer(self, par) -> None:
        """Write the snapshot (see ``clore``), in the caller's transaction."""
        self.preparer_evaluations(
            par, abandonnees=True, raison=f"Clôture du {self} : action non évaluée"
        )
        self._ecrire_instantane()

    def _ecrire_instantane(self) -> None:
        """Write the snapshot on the rows (and ``besoins_cloture`` on this object: the
        caller saves it)."""
        fiches = {
            action.pk: action
            for action in avancement_sans_cloture(
                Action.objects.du_projet(self.projet_id)
                .select_related("objectif__axe", "pilote")
                .annotate(
                    nouvelle=Exists(
                        ActionDecidee.objects.filter(campagne=self, action=OuterRef("pk"))
                    )
                ),
                self,
            )
        }
        evaluations = list(self.evaluations.filter(action__in=list(fiches)))
        for evaluation in evaluations:
            evaluation.figer(fiches[evaluation.action_id])
        Evaluation.objects.bulk_update(evaluations, Evaluation.CHAMPS_FIGES, batch_size=500)
        mesures = list(
            Mesure.objects.filter(evaluation__campagne=self).select_related("indicateur")
        )
        for mesure in mesures:
            mesure.figer()
        Mesure.objects.bulk_update(mesures, Mesure.CHAMPS_FIGES, batch_size=500)
        for reunion in self.reunions.prefetch_related(
            models.Prefetch(
                "partenaires", queryset=Partenaire.objects.order_by(cle_de_tri("nom"), "pk")
            ),
            models.Prefetch("axes", queryset=Axe.objects.order_by("numero", "pk")),
        ):
            reunion.partenaires_cloture = [
                partenaire.nom for partenaire in reunion.partenaires.all()
            ]
            reunion.axes_cloture = [str(axe) for axe in reunion.axes.all()]
            Reunion.objects.filter(pk=reunion.pk).update(
                partenaires_cloture=reunion.partenaires_cloture, axes_cloture=reunion.axes_cloture
            )
        self.besoins_cloture = []
        besoins = (
            BesoinSocial.objects.du_projet(self.projet_id)
            .order_by("thematique", "pk")
            .prefetch_related(models.Prefetch("actions", queryset=Action.objects.only("pk")))
        )
        for besoin in besoins:
            siennes = sorted(
                (fiches[action.pk] for action in besoin.actions.all() if action.pk in fiches),
                key=lambda fiche: (fiche.objectif.axe.numero, fiche.objectif.numero, fiche.numero),
            )
            self.besoins_cloture.append(besoin_fige(besoin, [fiche.code for fiche in siennes]))

    def rouvrir(self, par) -> None:
        """Reopen a closed review (administrators): a recorded act that clears its snapshot.
        Rows and measures that lost their fiche or indicator while it was closed go (an open
        review shows today's fiches). Closing again writes the snapshot anew."""
        with transaction.atomic():
            verrouillee = Campagne.objects.select_for_update().get(pk=self.pk)
            if not verrouillee.est_close:
                self.refresh_from_db()
                return
            self.evaluations.filter(action__isnull=True).delete()
            self.evaluations.update(
                **{
                    champ: Evaluation._meta.get_field(champ).get_default()
                    for champ in Evaluation.CHAMPS_FIGES
                }
            )
            Mesure.objects.filter(evaluation__campagne=self, indicateur__isnull=True).delete()
            Mesure.objects.filter(evaluation__campagne=self).update(
                **{
                    champ: Mesure._meta.get_field(champ).get_default()
                    for champ in Mesure.CHAMPS_FIGES
                }
            )
            self.reunions.update(partenaires_cloture=[], axes_cloture=[])
            DossierBilan.objects.filter(campagne=verrouillee).delete()
            verrouillee.besoins_cloture = []
            verrouillee.statut = StatutCampagne.OUVERTE
            verrouillee.closed_at = None
            verrouillee.version += 1
            verrouillee._change_reason = f"Réouverture par {nom_affiche(par)}"
            verrouillee._history_user = par
            verrouillee.save()
        self.refresh_from_db()


def besoin_fige(besoin, codes: list[str]) -> dict:
    """What a closing records of an ABS need (``Campagne.besoins_cloture``): the need as it
    was, and the codes of the actions answering it, in code order."""
    return {
        "thematique": besoin.thematique,
        "constat": besoin.constat,
        "chiffre_cle": besoin.chiffre_cle,
        "source": besoin.source,
        "actions": codes,
    }


class CampagneDejaClose(Exception):
    def __init__(self, campagne: Campagne) -> None:
        self.campagne = campagne
        super().__init__(f"Le {campagne} est déjà clos.")


def avancement_des_actions(actions, campagne: "Campagne | None"):
    """``actions`` annotated with where each stands in ``campagne`` (the latest review of a
    screen; None before any review): see ``Campagne.avancement_des_actions``."""
    if campagne is not None and campagne.est_close:
        # The closed review's row of each action, joined (one at most: unique constraint).
        actions = actions.alias(
            ligne_du_bilan=FilteredRelation(
                "evaluations", condition=Q(evaluations__campagne=campagne)
            )
        )
        return actions.annotate(
            avancement=F("ligne_du_bilan__avancement"),
            avancement_annee=F("ligne_du_bilan__avancement_annee"),
            statut_bilan=F("ligne_du_bilan__statut_bilan"),
            evaluee=Case(
                When(ligne_du_bilan__appreciation__in=Appreciation.values, then=Value(True)),
                default=Value(False),
            ),
            dans_bilan=Case(
                When(ligne_du_bilan__pk__isnull=False, then=Value(True)), default=Value(False)
            ),
        )
    return avancement_sans_cloture(actions, campagne)


def a_evaluer(actions, campagne: "Campagne"):
    """``actions`` still to evaluate in the open review ``campagne`` (the review page's
    « à évaluer »): not evaluated there (no appréciation chosen; an evaluation prepared
    empty does not count) and not abandoned; annotated as by ``avancement_des_actions``."""
    return (
        avancement_des_actions(actions, campagne)
        .filter(evaluee=False)
        .exclude(statut_bilan=StatutAction.ABANDONNEE)
    )


def avancement(projet, campagne: "Campagne | None", par: tuple[str, ...] = ()):
    """The projet's progress in ``campagne`` with its coverage, overall or grouped ``par``
    axe or objective numbers: one query. A closed review reads only its own rows."""
    if campagne is not None and campagne.est_close:
        lignes = campagne.lignes_figees().annotate(
            evaluee=models.ExpressionWrapper(
                ~Q(appreciation=""), output_field=models.BooleanField()
            ),
            axe_numero=F("numero_axe"),
            objectif_numero=F("numero_objectif"),
        )
    else:
        lignes = avancement_sans_cloture(Action.objects.du_projet(projet), campagne).annotate(
            axe_numero=F("objectif__axe__numero"), objectif_numero=F("objectif__numero")
        )
    return _agreger(lignes, campagne, par)


def avancements(projet, campagne: "Campagne | None"):
    """(projet, {axe number: …}, {(axe, objective): …}): the progress at the three levels of
    a screen in one query (per objective; axes and projet combine their objectives)."""
    par_objectif = avancement(projet, campagne, par=("axe_numero", "objectif_numero"))
    objectifs_par_axe: dict[int, list[Avancement]] = {}
    for (axe, _), part in par_objectif.items():
        objectifs_par_axe.setdefault(axe, []).append(part)
    par_axe = {
        axe: Avancement.combiner(parts, campagne) for axe, parts in objectifs_par_axe.items()
    }
    return Avancement.combiner(par_axe.values(), campagne), par_axe, par_objectif


def avancement_sans_cloture(actions, campagne: "Campagne | None"):
    """The progress rule computed from the evaluations (an open review, or the closing that
    writes it down): see ``Campagne.avancement_des_actions``. Without a review, a réalisée
    action counts 100 and any other 0.

    One LEFT JOIN to the action's evaluation in the review (unique per action) and one
    correlated subquery for each of the carried-forward figure and its year; the steps are
    aliases, inlined once each, not selected."""
    entier = models.IntegerField()
    if campagne is None:
        evaluee = Q(pk__in=[])
        actions = actions.alias(
            taux_bilan=Value(None, output_field=entier),
            statut_bilan_calcule=F("statut"),
            report=Value(None, output_field=entier),
            report_annee=Value(None, output_field=entier),
        )
        annee = None
    else:
        close = Q(campagne__statut=StatutCampagne.CLOSE)
        anterieures = (
            Evaluation.objects.filter(
                action=OuterRef("pk"),
                campagne__projet_id=campagne.projet_id,
                campagne__annee__lt=campagne.annee,
            )
            .filter(
                (close & Q(avancement_annee__isnull=False))
                | (~close & Q(appreciation__in=Appreciation.values))
            )
            .order_by("-campagne__annee", "-pk")
        )
        evaluee = Q(evaluation_du_bilan__appreciation__in=Appreciation.values)
        actions = actions.alias(
            evaluation_du_bilan=FilteredRelation(
                "evaluations", condition=Q(evaluations__campagne=campagne)
            ),
            taux_bilan=F("evaluation_du_bilan__taux_realisation"),
            statut_bilan_calcule=Case(
                When(evaluee, then=F("evaluation_du_bilan__statut")), default=F("statut")
            ),
            report=Subquery(
                anterieures.annotate(
                    valeur=Case(When(close, then=F("avancement")), default=F("taux_realisation"))
                ).values("valeur")[:1],
                output_field=entier,
            ),
            report_annee=Subquery(
                anterieures.annotate(
                    annee_valeur=Case(
                        When(close, then=F("avancement_annee")), default=F("campagne__annee")
                    )
                ).values("annee_valeur")[:1],
                output_field=entier,
            ),
        )
        annee = campagne.annee
    abandonnee = Q(statut_bilan_calcule=StatutAction.ABANDONNEE)
    realisee = Q(statut_bilan_calcule=StatutAction.REALISEE)
    return actions.annotate(
        statut_bilan=F("statut_bilan_calcule"),
        avancement=Case(
            When(abandonnee, then=Value(None)),
            When(realisee, then=Value(100)),
            When(evaluee, then=F("taux_bilan")),
            default=Coalesce(F("report"), Value(0)),
            output_field=entier,
        ),
        avancement_annee=Case(
            When(abandonnee, then=Value(None)),
            When(evaluee, then=Value(annee)),
            When(realisee, then=Value(None)),
            default=F("report_annee"),
            output_field=entier,
        ),
        evaluee=Case(When(evaluee, then=Value(True)), default=Value(False)),
        dans_bilan=Value(campagne is not None),
    )


class EvaluationQuerySet(models.QuerySet):
    def saisies(self) -> "EvaluationQuerySet":
        """Evaluations an agent has filled in (an appréciation chosen); opening a campaign
        prepares empty ones, which do not count as evaluated."""
        return self.exclude(appreciation="")

    def de_la_fiche(self, action) -> "EvaluationQuerySet":
        """The evaluations of ``action`` shown on its fiche, newest first, with their campaign
        and measures: two queries."""
        return (
            self.filter(action=action)
            .select_related("campagne")
            .prefetch_related(models.Prefetch("mesures", queryset=Mesure.objects.order_by("pk")))
            .order_by("-campagne__annee", "-pk")
        )

    def pour_formulaire(self, action, campagne: Campagne) -> "EvaluationQuerySet":
        """What the evaluation form reads: the evaluations of ``action`` in ``campagne`` and in
        the earlier campaigns of its projet, newest first, with their campaign, author and
        mesures (two queries once sliced: ``[:2]`` is this year's and the previous one)."""
        return (
            self.filter(
                action=action,
                campagne__projet_id=campagne.projet_id,
                campagne__annee__lte=campagne.annee,
            )
            .select_related("campagne", "auteur")
            .prefetch_related(models.Prefetch("mesures", queryset=Mesure.objects.order_by("pk")))
            .order_by("-campagne__annee", "-pk")
        )


class Evaluation(VersionedModel):
    campagne = models.ForeignKey(
        Campagne, on_delete=models.CASCADE, related_name="evaluations", verbose_name="campagne"
    )
    action = models.ForeignKey(
        "actions.Action",
        on_delete=cascade_sauf_bilan_clos,
        null=True,
        related_name="evaluations",
        verbose_name="action",
        help_text="Vide pour la ligne d'un bilan clos dont la fiche a été supprimée depuis.",
    )
    statut = models.CharField(
        "statut à la date de l'évaluation",
        max_length=20,
        choices=StatutAction.choices,
        default=StatutAction.EN_COURS,
    )
    taux_realisation = models.PositiveSmallIntegerField("taux de réalisation (%)", default=0)
    appreciation = models.CharField(
        "appréciation", max_length=30, choices=Appreciation.choices, blank=True
    )
    realise = texte_libre("réalisé dans l'année", blank=True)
    points_forts = texte_libre("points forts", blank=True)
    difficultes = texte_libre("difficultés", blank=True)
    reajustements = texte_libre("réajustements proposés", blank=True)
    nouvelle_echeance = models.DateField("nouvelle échéance", null=True, blank=True)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name="auteur",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    # The snapshot a closing writes (empty while the review is open): the fiche as it was,
    # and the avancement counted. A closed review's page and dossier read only these.
    numero_axe = models.PositiveSmallIntegerField("n° de l'axe à la clôture", null=True, blank=True)
    intitule_axe = models.CharField("axe à la clôture", max_length=200, blank=True)
    couleur_axe = models.CharField("couleur de l'axe à la clôture", max_length=7, blank=True)
    numero_objectif = models.PositiveSmallIntegerField(
        "n° de l'objectif à la clôture", null=True, blank=True
    )
    intitule_objectif = models.CharField("objectif à la clôture", max_length=250, blank=True)
    numero_action = models.PositiveSmallIntegerField(
        "n° de l'action à la clôture", null=True, blank=True
    )
    intitule_action = models.CharField(
        "intitulé de l'action à la clôture", max_length=250, blank=True
    )
    pilote_nom = models.CharField("pilote à la clôture", max_length=150, blank=True)
    statut_fiche = models.CharField(
        "statut de la fiche à la clôture", max_length=20, choices=StatutAction.choices, blank=True
    )
    echeance_fiche = models.DateField("échéance de la fiche à la clôture", null=True, blank=True)
    motif_abandon_fiche = texte_libre("motif d'abandon à la clôture", blank=True)
    statut_bilan = models.CharField(
        "statut compté au bilan", max_length=20, choices=StatutAction.choices, blank=True
    )
    avancement = models.PositiveSmallIntegerField(
        "avancement compté (%)",
        null=True,
        blank=True,
        help_text="Vide pour une action hors avancement.",
    )
    avancement_annee = models.PositiveSmallIntegerField(
        "année du bilan d'où vient l'avancement", null=True, blank=True
    )
    action_nouvelle = models.BooleanField("action décidée lors de ce bilan", default=False)

    CHAMPS_FIGES = (
        "numero_axe",
        "intitule_axe",
        "couleur_axe",
        "numero_objectif",
        "intitule_objectif",
        "numero_action",
        "intitule_action",
        "pilote_nom",
        "statut_fiche",
        "echeance_fiche",
        "motif_abandon_fiche",
        "statut_bilan",
        "avancement",
        "avancement_annee",
        "action_nouvelle",
    )

    history = HistoricalRecords(verbose_name="historique de l'évaluation")
    objects = EvaluationQuerySet.as_manager()
    feminin = True

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        ordering = [
            "campagne",
            "action__objectif__axe__numero",
            "action__objectif__numero",
            "action__numero",
            "pk",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campagne", "action"],
                name="evaluations_evaluation_unique_par_campagne",
                violation_error_message="Cette action a déjà une évaluation dans cette campagne.",
            ),
            models.CheckConstraint(
                condition=Q(taux_realisation__gte=0) & Q(taux_realisation__lte=100),
                name="evaluations_evaluation_taux_0_100",
                violation_error_message="Le taux de réalisation doit être compris entre 0 et 100.",
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutAction.REALISEE) | Q(taux_realisation=100),
                name="evaluations_evaluation_realisee_100",
                # "%%": Django formats the message with the constraint's name.
                violation_error_message="Une action réalisée a un taux de réalisation de 100 %%.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campagne} – {self.action}"

    @property
    def est_saisie(self) -> bool:
        return bool(self.appreciation)

    @property
    def code_fige(self) -> str:
        """The fiche's number at the closing, "2.3.1"."""
        return f"{self.numero_axe}.{self.numero_objectif}.{self.numero_action}"

    def figer(self, fiche) -> None:
        """Copy onto this row what the closing prints forever: ``fiche`` annotated by
        ``avancement_sans_cloture`` (with objective, axe and pilote selected)."""
        objectif = fiche.objectif
        self.numero_axe = objectif.axe.numero
        self.intitule_axe = objectif.axe.intitule
        self.couleur_axe = objectif.axe.couleur
        self.numero_objectif = objectif.numero
        self.intitule_objectif = objectif.intitule
        self.numero_action = fiche.numero
        self.intitule_action = fiche.intitule
        self.pilote_nom = nom_affiche(fiche.pilote) if fiche.pilote_id else ""
        self.statut_fiche = fiche.statut
        self.echeance_fiche = fiche.echeance
        self.motif_abandon_fiche = fiche.motif_abandon
        self.statut_bilan = fiche.statut_bilan
        self.avancement = fiche.avancement
        self.avancement_annee = fiche.avancement_annee
        self.action_nouvelle = fiche.nouvelle

    @property
    def raison_pour_la_fiche(self) -> str:
        """The change reason of a fiche updated from this evaluation, shown in its history."""
        return f"Depuis l'évaluation du {self.campagne}"


_BAISSE = Q(sens_compte=SensIndicateur.BAISSE)
# Conditions on measures read through ``Mesure.objects.avec_atteinte()`` (the attainment
# rule of DOMAIN.md, in SQL, as ``Mesure.atteinte``):
# - the attainment can be computed: a value, a positive target, a non-zero value where lower
#   is better;
Q_MESUREE = Q(valeur_realisee__isnull=False, cible_comptee__gt=0) & ~(
    _BAISSE & Q(valeur_realisee=0)
)
# - its attainment, rounded as shown, is 100 % or more: réalisé / cible ≥ 99.5 %, or
#   cible / réalisé where lower is better.
Q_A_LA_CIBLE = Q_MESUREE & (
    (~_BAISSE & Q(valeur_realisee__gte=F("cible_comptee") * Decimal("0.995")))
    | (_BAISSE & Q(cible_comptee__gte=F("valeur_realisee") * Decimal("0.995")))
)


class MesureQuerySet(models.QuerySet):
    def avec_atteinte(self) -> "MesureQuerySet":
        """Measures with the target and direction their attainment is computed against: the
        indicator as it was at the closing for a closed review, as it is now otherwise; to
        filter or count with ``Q_MESUREE`` and ``Q_A_LA_CIBLE``."""
        figee = ~Q(indicateur_libelle="")
        return self.annotate(
            cible_comptee=Case(
                When(figee, then=F("indicateur_cible")), default=F("indicateur__valeur_cible")
            ),
            sens_compte=Case(When(figee, then=F("indicateur_sens")), default=F("indicateur__sens")),
        )


class Mesure(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="mesures", verbose_name="évaluation"
    )
    indicateur = models.ForeignKey(
        "actions.Indicateur",
        on_delete=cascade_sauf_bilan_clos,
        null=True,
        related_name="mesures",
        verbose_name="indicateur",
        help_text="Vide pour la mesure d'un bilan clos dont l'indicateur a été supprimé depuis.",
    )
    valeur_realisee = models.DecimalField(
        "valeur réalisée", max_digits=12, decimal_places=2, null=True, blank=True
    )
    commentaire = texte_libre("commentaire", blank=True)

    # The indicator as it was when the review closed (empty while it is open).
    indicateur_libelle = models.CharField("indicateur à la clôture", max_length=250, blank=True)
    indicateur_type = models.CharField(
        "type à la clôture", max_length=20, choices=TypeIndicateur.choices, blank=True
    )
    indicateur_unite = models.CharField("unité à la clôture", max_length=50, blank=True)
    indicateur_cible = models.DecimalField(
        "valeur cible à la clôture", max_digits=12, decimal_places=2, null=True, blank=True
    )
    indicateur_sens = models.CharField(
        "sens à la clôture", max_length=10, choices=SensIndicateur.choices, blank=True
    )

    CHAMPS_FIGES = (
        "indicateur_libelle",
        "indicateur_type",
        "indicateur_unite",
        "indicateur_cible",
        "indicateur_sens",
    )

    history = HistoricalRecords(verbose_name="historique des mesures")
    objects = MesureQuerySet.as_manager()

    class Meta:
        verbose_name = "mesure d'indicateur"
        verbose_name_plural = "mesures d'indicateurs"
        ordering = ["evaluation", "indicateur", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicateur"],
                name="evaluations_mesure_unique_par_evaluation",
                violation_error_message="Cet indicateur a déjà une valeur dans cette évaluation.",
            ),
        ]

    def __str__(self) -> str:
        valeur = "—" if self.valeur_realisee is None else self.valeur_realisee
        return f"{self.indicateur_libelle or self.indicateur} : {valeur}"

    def figer(self) -> None:
        """Copy the indicator onto the measure (its review is closing)."""
        indicateur = self.indicateur
        self.indicateur_libelle = indicateur.libelle
        self.indicateur_type = indicateur.type
        self.indicateur_unite = indicateur.unite
        self.indicateur_cible = indicateur.valeur_cible
        self.indicateur_sens = indicateur.sens

    @property
    def atteinte(self) -> Decimal | None:
        """The attainment of this value: against the indicator as it was at the closing for
        a closed review, as it is now otherwise (see ``Indicateur.atteinte``)."""
        if self.indicateur_libelle:
            return atteinte(self.valeur_realisee, self.indicateur_cible, self.indicateur_sens)
        return self.indicateur.atteinte(self.valeur_realisee)


class ReunionQuerySet(models.QuerySet):
    def with_partenaires(self) -> "ReunionQuerySet":
        """Partners in name order, one query for all the rows (the review page)."""
        return self.prefetch_related(
            models.Prefetch(
                "partenaires", queryset=Partenaire.objects.order_by(cle_de_tri("nom"), "pk")
            ),
        )

    def with_list_related_data(self) -> "ReunionQuerySet":
        """Axes in number order and partners in name order, one query each for all the rows."""
        return (
            self.select_related("campagne")
            .prefetch_related(
                models.Prefetch("axes", queryset=Axe.objects.order_by("numero", "pk"))
            )
            .with_partenaires()
        )

    def totaux(self) -> dict:
        """Participants per category and overall, number of meetings and date range: one
        aggregate query. Attendances are counted: a person at two meetings counts twice."""
        entier = models.IntegerField()
        # Aliased "somme_nb_x": an aggregate named like a field would shadow it in ``total``.
        sommes = {
            f"somme_{champ}": Coalesce(models.Sum(champ), 0, output_field=entier)
            for champ in Reunion.CATEGORIES
        }
        total = sum(
            (models.F(champ) for champ in Reunion.CATEGORIES[1:]),
            models.F(Reunion.CATEGORIES[0]),
        )
        return self.order_by().aggregate(
            **sommes,
            total=Coalesce(models.Sum(total), 0, output_field=entier),
            nombre=models.Count("pk"),
            premiere=models.Min("date"),
            derniere=models.Max("date"),
        )


class Reunion(VersionedModel):
    projet = models.ForeignKey(
        "axes.ProjetSocial",
        on_delete=models.CASCADE,
        related_name="reunions",
        verbose_name="projet social",
    )
    campagne = models.ForeignKey(
        Campagne,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reunions",
        verbose_name="campagne",
        help_text="Pour la réunion partenariale du bilan annuel.",
    )
    type = models.CharField("type", max_length=20, choices=TypeReunion.choices)
    date = models.DateField("date")
    intitule = models.CharField("intitulé", max_length=200)
    lieu = models.CharField("lieu", max_length=200, blank=True)
    axes = models.ManyToManyField(
        "axes.Axe", blank=True, related_name="reunions", verbose_name="axes abordés"
    )
    nb_institutions = models.PositiveSmallIntegerField("institutions", default=0)
    nb_associations = models.PositiveSmallIntegerField("associations", default=0)
    nb_techniciens = models.PositiveSmallIntegerField("techniciens", default=0)
    nb_benevoles = models.PositiveSmallIntegerField("bénévoles", default=0)
    nb_elus = models.PositiveSmallIntegerField("élus", default=0)
    nb_usagers = models.PositiveSmallIntegerField("usagers", default=0)
    partenaires = models.ManyToManyField(
        "actions.Partenaire",
        blank=True,
        related_name="reunions",
        verbose_name="partenaires présents",
    )
    compte_rendu = texte_libre("compte rendu", blank=True)
    # Written when its review closes: the partners and axes as they were then.
    partenaires_cloture = models.JSONField(
        "partenaires présents, à la clôture du bilan", default=list, blank=True, editable=False
    )
    axes_cloture = models.JSONField(
        "axes abordés, à la clôture du bilan", default=list, blank=True, editable=False
    )

    history = HistoricalRecords(
        verbose_name="historique de la réunion", m2m_fields=["axes", "partenaires"]
    )
    objects = ReunionQuerySet.as_manager()
    feminin = True

    class Meta:
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        ordering = ["projet", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.date:%d/%m/%Y})"

    CATEGORIES = (
        "nb_institutions",
        "nb_associations",
        "nb_techniciens",
        "nb_benevoles",
        "nb_elus",
        "nb_usagers",
    )

    @property
    def nb_participants(self) -> int:
        return sum(getattr(self, champ) for champ in self.CATEGORIES)


class DossierBilan(models.Model):
    """The PDF dossier of a closed review, rendered at its first download and served again
    as it is: a closed review prints the same dossier forever, without the seconds of a
    rendering. Reopening the review drops it; ``mise_en_page`` is the dossier's layout
    version, so that a new layout renders the dossier again."""

    campagne = models.OneToOneField(
        Campagne, on_delete=models.CASCADE, related_name="dossier", verbose_name="bilan"
    )
    contenu = models.BinaryField("PDF")
    mise_en_page = models.PositiveSmallIntegerField("version de la mise en page")
    rendered_at = models.DateTimeField("produit le", auto_now=True)

    class Meta:
        verbose_name = "dossier d'un bilan clos"
        verbose_name_plural = "dossiers des bilans clos"
        ordering = ["campagne", "pk"]
        # A cache of the rendering: no one manages it, so no role has permissions on it.
        default_permissions = ()

    def __str__(self) -> str:
        return f"Dossier du {self.campagne}"


class ActionDecidee(models.Model):
    """An action that the réunion partenariale of a review decided (one review at most)."""

    campagne = models.ForeignKey(
        Campagne, on_delete=models.CASCADE, related_name="decisions_d_actions", verbose_name="bilan"
    )
    action = models.OneToOneField(
        "actions.Action",
        on_delete=models.CASCADE,
        related_name="decision",
        verbose_name="action",
    )

    class Meta:
        verbose_name = "action décidée lors d'un bilan"
        verbose_name_plural = "actions décidées lors d'un bilan"
        ordering = ["campagne", "action", "pk"]

    def __str__(self) -> str:
        return f"{self.action} – décidée lors du {self.campagne}"
