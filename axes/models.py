from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from axes.enums import StatutProjet
from projet_social.champs import texte_libre
from projet_social.versioning import VersionedModel

couleur_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Indiquez une couleur au format hexadécimal, par exemple #1f6f8b."
)


class ProjetSocialQuerySet(models.QuerySet):
    def courant(self) -> "ProjetSocial | None":
        """The plan shown by default: the adopted one with the latest start, else the latest."""
        return self.order_by(
            models.Case(
                models.When(statut=StatutProjet.ADOPTE, then=0),
                models.When(statut=StatutProjet.EN_PREPARATION, then=1),
                default=2,
            ),
            "-annee_debut",
            "-pk",
        ).first()


class ProjetSocial(models.Model):
    intitule = models.CharField("intitulé", max_length=200)
    structure = models.CharField(
        "structure", max_length=200, help_text="Par exemple « CCAS de Gouesnou »."
    )
    annee_debut = models.PositiveSmallIntegerField("année de début")
    annee_fin = models.PositiveSmallIntegerField("année de fin")
    statut = models.CharField(
        "statut", max_length=20, choices=StatutProjet.choices, default=StatutProjet.EN_PREPARATION
    )
    date_adoption = models.DateField("date d'adoption", null=True, blank=True)
    synthese_abs = texte_libre("synthèse de l'analyse des besoins sociaux (ABS)", blank=True)
    est_demo = models.BooleanField(
        "données de démonstration",
        default=False,
        help_text="Coché pour les données d'exemple chargées par la commande charger_demo.",
    )

    objects = ProjetSocialQuerySet.as_manager()

    class Meta:
        verbose_name = "projet social"
        verbose_name_plural = "projets sociaux"
        ordering = ["-annee_debut", "intitule", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annee_debut__lte=F("annee_fin")),
                name="axes_projetsocial_periode_ordonnee",
                violation_error_message="L'année de début doit précéder ou égaler l'année de fin.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.annee_debut}-{self.annee_fin})"

    @property
    def periode(self) -> str:
        return f"{self.annee_debut}-{self.annee_fin}"


class AxeQuerySet(models.QuerySet):
    def du_projet(self, projet: ProjetSocial) -> "AxeQuerySet":
        return self.filter(projet=projet)

    def pour_plan(self, actions: models.QuerySet) -> "AxeQuerySet":
        """The plan as a tree: axes, their objectives in number order, and their actions
        from ``actions`` (the screen annotates them: progress, lateness), three queries."""
        objectifs = Objectif.objects.order_by("numero", "pk").prefetch_related(
            models.Prefetch("actions", queryset=actions)
        )
        return self.prefetch_related(models.Prefetch("objectifs", queryset=objectifs))


class Axe(VersionedModel):
    projet = models.ForeignKey(
        ProjetSocial, on_delete=models.CASCADE, related_name="axes", verbose_name="projet social"
    )
    numero = models.PositiveSmallIntegerField("numéro")
    intitule = models.CharField("intitulé", max_length=200)
    description = texte_libre("description", blank=True)
    couleur = models.CharField(
        "couleur",
        max_length=7,
        default="#1f6f8b",
        validators=[couleur_validator],
        help_text="Utilisée par les graphiques, au format #rrggbb.",
    )

    objects = AxeQuerySet.as_manager()

    class Meta:
        verbose_name = "axe stratégique"
        verbose_name_plural = "axes stratégiques"
        ordering = ["projet", "numero", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["projet", "numero"],
                name="axes_axe_numero_unique_par_projet",
                violation_error_message="Un axe porte déjà ce numéro dans ce projet social.",
            ),
            models.CheckConstraint(
                condition=Q(numero__gte=1),
                name="axes_axe_numero_positif",
                violation_error_message="Le numéro de l'axe doit être supérieur ou égal à 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"Axe {self.numero} : {self.intitule}"

    @property
    def code(self) -> str:
        return str(self.numero)


class ObjectifQuerySet(models.QuerySet):
    def du_projet(self, projet: ProjetSocial) -> "ObjectifQuerySet":
        return self.filter(axe__projet=projet)


class Objectif(VersionedModel):
    axe = models.ForeignKey(
        Axe, on_delete=models.CASCADE, related_name="objectifs", verbose_name="axe"
    )
    numero = models.PositiveSmallIntegerField("numéro", help_text="Numéro dans l'axe.")
    intitule = models.CharField("intitulé", max_length=250)
    description = texte_libre("description", blank=True)

    objects = ObjectifQuerySet.as_manager()

    class Meta:
        verbose_name = "objectif opérationnel"
        verbose_name_plural = "objectifs opérationnels"
        ordering = ["axe__numero", "numero", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["axe", "numero"],
                name="axes_objectif_numero_unique_par_axe",
                violation_error_message="Un objectif porte déjà ce numéro dans cet axe.",
            ),
            models.CheckConstraint(
                condition=Q(numero__gte=1),
                name="axes_objectif_numero_positif",
                violation_error_message="Le numéro de l'objectif doit être supérieur ou égal à 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.intitule}"

    @property
    def code(self) -> str:
        """The number shown to users, "2.3": axe then objective."""
        return f"{self.axe.numero}.{self.numero}"

    def prochain_numero_action(self, sauf=None) -> int:
        """The next free number of an action in this objective: one past the highest, so
        numbers are never reused (exports and imports key on them). ``sauf``: an action
        being moved, left out of the count."""
        actions = self.actions.all()
        if sauf is not None and sauf.pk:
            actions = actions.exclude(pk=sauf.pk)
        return (actions.aggregate(n=models.Max("numero"))["n"] or 0) + 1


class BesoinSocialQuerySet(models.QuerySet):
    def du_projet(self, projet: ProjetSocial) -> "BesoinSocialQuerySet":
        return self.filter(projet=projet)

    def pour_page(self) -> "BesoinSocialQuerySet":
        """A need's page: the fiches answering it (in code order, the fiches' own ordering)
        with their objective and axe: three queries, named through the relation since the
        fiches' app is above this one."""
        return self.prefetch_related("actions__objectif__axe")

    def with_nb_actions(self) -> "BesoinSocialQuerySet":
        """``nb_actions``: how many fiches answer each need (a correlated count, no GROUP BY)."""
        liens = (
            BesoinSocial.actions.through.objects.filter(besoinsocial=models.OuterRef("pk"))
            .order_by()
            .values("besoinsocial")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            nb_actions=Coalesce(models.Subquery(liens, output_field=models.IntegerField()), 0)
        )


class BesoinSocial(models.Model):
    projet = models.ForeignKey(
        ProjetSocial,
        on_delete=models.CASCADE,
        related_name="besoins",
        verbose_name="projet social",
    )
    thematique = models.CharField("thématique", max_length=120)
    constat = texte_libre("constat")
    chiffre_cle = models.CharField("chiffre clé", max_length=200, blank=True)
    source = models.CharField("source", max_length=250, blank=True)

    objects = BesoinSocialQuerySet.as_manager()

    class Meta:
        verbose_name = "besoin social (ABS)"
        verbose_name_plural = "besoins sociaux (ABS)"
        ordering = ["projet", "thematique", "pk"]

    def __str__(self) -> str:
        return f"{self.thematique} : {self.constat[:60]}"
