from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from actions.enums import StatutAction
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from projet_social.versioning import VersionedModel


class CampagneQuerySet(models.QuerySet):
    def du_projet(self, projet) -> "CampagneQuerySet":
        return self.filter(projet=projet)

    def ouvertes(self) -> "CampagneQuerySet":
        return self.filter(statut=StatutCampagne.OUVERTE)

    def derniere(self, projet) -> "Campagne | None":
        """The campaign progress is shown for by default: the latest year of the plan."""
        return self.filter(projet=projet).order_by("-annee", "-pk").first()

    def with_progression(self) -> "CampagneQuerySet":
        """``nb_evaluees`` and ``nb_a_evaluer``, as the campaign page counts them (a closed
        campaign's fiches as at its closing), for the list of campaigns: one query."""
        from evaluations.services import annoter_progression

        return annoter_progression(self)


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
    synthese = models.TextField("synthèse", blank=True)
    decisions = models.TextField("décisions de la réunion partenariale", blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True, editable=False)

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


class EvaluationQuerySet(models.QuerySet):
    def saisies(self) -> "EvaluationQuerySet":
        """Evaluations an agent has filled in (an appréciation chosen); opening a campaign
        prepares empty ones, which do not count as evaluated."""
        return self.exclude(appreciation="")

    def a_saisir(self) -> "EvaluationQuerySet":
        return self.filter(appreciation="")

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
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name="action",
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
    realise = models.TextField("réalisé dans l'année", blank=True)
    points_forts = models.TextField("points forts", blank=True)
    difficultes = models.TextField("difficultés", blank=True)
    reajustements = models.TextField("réajustements proposés", blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.campagne} – {self.action}"

    @property
    def est_saisie(self) -> bool:
        return bool(self.appreciation)

    @property
    def raison_pour_la_fiche(self) -> str:
        """The change reason of a fiche updated from this evaluation, shown in its history."""
        return f"Depuis l'évaluation du {self.campagne}"


class Mesure(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="mesures", verbose_name="évaluation"
    )
    indicateur = models.ForeignKey(
        "actions.Indicateur",
        on_delete=models.CASCADE,
        related_name="mesures",
        verbose_name="indicateur",
    )
    valeur_realisee = models.DecimalField(
        "valeur réalisée", max_digits=12, decimal_places=2, null=True, blank=True
    )
    commentaire = models.TextField("commentaire", blank=True)

    history = HistoricalRecords(verbose_name="historique des mesures")

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
        return f"{self.indicateur} : {valeur}"

    @property
    def atteinte(self) -> Decimal | None:
        """valeur réalisée / valeur cible, in percent; None without a positive target."""
        cible = self.indicateur.valeur_cible
        if self.valeur_realisee is None or not cible:
            return None
        return (self.valeur_realisee / cible * 100).quantize(Decimal("1"))


class ReunionQuerySet(models.QuerySet):
    def with_list_related_data(self) -> "ReunionQuerySet":
        """Axes in number order and partners in name order, one query each for all the rows."""
        from actions.models import Partenaire
        from axes.models import Axe
        from projet_social.search import cle_de_tri

        return self.select_related("campagne").prefetch_related(
            models.Prefetch("axes", queryset=Axe.objects.order_by("numero", "pk")),
            models.Prefetch(
                "partenaires", queryset=Partenaire.objects.order_by(cle_de_tri("nom"), "pk")
            ),
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
    compte_rendu = models.TextField("compte rendu", blank=True)

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
