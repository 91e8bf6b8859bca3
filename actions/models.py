import datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.utils import timezone
from simple_history.models import HistoricalRecords

from actions.enums import (
    STATUTS_TERMINES,
    NatureBudget,
    Priorite,
    RolePartenaire,
    SensIndicateur,
    StatutAction,
    TypeIndicateur,
    TypePartenaire,
)
from projet_social.champs import texte_libre
from projet_social.generation import memoire
from projet_social.search import cle_de_nom
from projet_social.utilisateurs import nom_affiche
from projet_social.versioning import VersionedModel


class PublicCible(models.Model):
    libelle = models.CharField("libellé", max_length=120, unique=True)
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)

    class Meta:
        verbose_name = "public cible"
        verbose_name_plural = "publics cibles"
        ordering = ["ordre", "libelle", "pk"]

    def __str__(self) -> str:
        return self.libelle


class Partenaire(VersionedModel):
    nom = models.CharField("nom", max_length=200, unique=True)
    # The name as names are compared (cle_de_nom: no case, accents nor hyphens), unique: two
    # partners cannot be "CAF du Finistère" and "CAF DU FINISTERE", even saved at once.
    nom_normalise = models.CharField(max_length=200, unique=True, editable=False)
    type = models.CharField(
        "type", max_length=30, choices=TypePartenaire.choices, default=TypePartenaire.AUTRE
    )
    contact = models.CharField(
        "contact", max_length=200, blank=True, help_text="Service ou fonction à joindre."
    )
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    site = models.URLField("site internet", blank=True)

    class Meta:
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["nom", "pk"]

    def __str__(self) -> str:
        return self.nom

    def save(self, *args, **kwargs) -> None:
        self.nom_normalise = cle_de_nom(self.nom)
        if kwargs.get("update_fields") is not None and "nom" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "nom_normalise"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        homonyme = (
            Partenaire.objects.exclude(pk=self.pk)
            .filter(nom_normalise=cle_de_nom(self.nom))
            .exclude(nom=self.nom)  # the same name exactly: the unique check says it
            .first()
        )
        if homonyme is not None:
            raise ValidationError(
                {
                    "nom": f"Le partenaire « {homonyme.nom} » existe déjà (les majuscules, les "
                    "accents et les tirets ne comptent pas) : choisissez-le, ou donnez un autre "
                    "nom."
                }
            )


def q_en_retard(aujourdhui: datetime.date | None = None) -> Q:
    """The one rule of lateness: the échéance is past and the action is neither réalisée nor
    abandonnée (DOMAIN.md)."""
    aujourdhui = aujourdhui or timezone.localdate()
    # "isnull" spelled out: without an échéance the rule is false, not unknown (Q.check).
    return Q(echeance__isnull=False, echeance__lt=aujourdhui) & ~Q(statut__in=STATUTS_TERMINES)


# The order of the codes "axe.objectif.numero", for every list of actions.
ORDRE_CODE = ("objectif__axe__numero", "objectif__numero", "numero", "pk")


class Voisine(NamedTuple):
    """A fiche as its neighbours link to it: « Fiche suivante : 2.3.2 Intitulé »."""

    pk: int
    code: str
    intitule: str


class ActionQuerySet(models.QuerySet):
    def du_projet(self, projet) -> "ActionQuerySet":
        return self.filter(objectif__axe__projet=projet)

    def au_code(self, numero_axe: int, numero_objectif: int, numero: int) -> "ActionQuerySet":
        """The action numbered "axe.objectif.numero" (within one projet: chain du_projet)."""
        return self.filter(
            objectif__axe__numero=numero_axe, objectif__numero=numero_objectif, numero=numero
        )

    def suivies_par(self, user) -> "ActionQuerySet":
        """The fiches ``user`` pilots or follows as élu référent (their account chosen)."""
        return self.filter(Q(pilote=user) | Q(elu_referent_compte=user))

    def en_retard(self, today: datetime.date | None = None) -> "ActionQuerySet":
        """Past their échéance and neither réalisée nor abandonnée."""
        return self.filter(q_en_retard(today))

    def with_en_retard(self, today: datetime.date | None = None) -> "ActionQuerySet":
        return self.annotate(
            en_retard_calcule=models.Case(
                models.When(q_en_retard(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def ordre_code(self) -> "ActionQuerySet":
        return self.order_by(*ORDRE_CODE)

    def voisines(self, action: "Action") -> tuple["Voisine | None", "Voisine | None"]:
        """The fiches before and after ``action`` in its plan, in code order: the "précédente
        / suivante" links of the fiche and of the evaluation. The plan's fiches in order are
        read once (one query) and kept by the server process until the plan changes."""
        projet_id = action.objectif.axe.projet_id
        fiches = memoire(
            "fiches dans l'ordre du plan", (projet_id,), lambda: self._dans_l_ordre(projet_id)
        )
        rang = next((i for i, fiche in enumerate(fiches) if fiche.pk == action.pk), None)
        if rang is None:  # not in the plan (yet): no neighbours to show
            return None, None
        return (fiches[rang - 1] if rang else None), (
            fiches[rang + 1] if rang + 1 < len(fiches) else None
        )

    def _dans_l_ordre(self, projet_id: int) -> "tuple[Voisine, ...]":
        fiches = (
            self.model.objects.du_projet(projet_id)
            .select_related("objectif__axe")
            .only("intitule", "numero", "objectif__numero", "objectif__axe__numero")
            .order_by(*ORDRE_CODE)
        )
        return tuple(Voisine(fiche.pk, fiche.code, fiche.intitule) for fiche in fiches)

    def compter_par_statut(self) -> dict[str, int]:
        """{statut: count} with every statut present, in the order of StatutAction."""
        comptes = dict(
            self.order_by()
            .values_list("statut")
            .annotate(n=models.Count("pk"))
            .values_list("statut", "n")
        )
        return {statut: comptes.get(statut, 0) for statut in StatutAction.values}

    def with_list_related_data(self) -> "ActionQuerySet":
        """What the list of actions shows besides progress: objective, axe, pilote, lateness."""
        return self.select_related("objectif__axe", "pilote").with_en_retard()

    def pour_export(self) -> "ActionQuerySet":
        """What the export of the list writes besides progress: objective, axe, pilote, the
        élu's account, lateness (one query), then publics, needs and partners with their
        role (one query each), whatever the number of fiches."""
        return (
            self.select_related("objectif__axe", "pilote", "elu_referent_compte")
            .with_en_retard()
            .prefetch_related(
                "publics",
                "besoins",
                models.Prefetch(
                    "participations",
                    queryset=ActionPartenaire.objects.select_related("partenaire").order_by(
                        "partenaire__nom", "pk"
                    ),
                ),
            )
        )

    def pour_fiche(self) -> "ActionQuerySet":
        """The fiche's own rows, one query per kind whatever their number: what the export
        reads, then its author, indicators, steps and budget. (Its evaluations and measures
        are the reviews' rows: see ``Evaluation.objects.de_la_fiche``.)"""
        return (
            self.pour_export()
            .select_related("updated_by")
            .prefetch_related(
                models.Prefetch("indicateurs", queryset=Indicateur.objects.order_by("pk")),
                models.Prefetch(
                    "etapes", queryset=Etape.objects.order_by("ordre", "echeance", "pk")
                ),
                models.Prefetch(
                    "lignes_budget",
                    queryset=LigneBudget.objects.select_related("financeur").order_by(
                        "annee", "nature", "pk"
                    ),
                ),
            )
        )

    def pour_formulaire(self) -> "ActionQuerySet":
        """What the edit form reads besides its formsets: objective, pilote, publics, needs."""
        return self.select_related("objectif__axe", "pilote").prefetch_related("publics", "besoins")


class Action(VersionedModel):
    objectif = models.ForeignKey(
        "axes.Objectif",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name="objectif opérationnel",
    )
    numero = models.PositiveSmallIntegerField("numéro", help_text="Numéro dans l'objectif.")
    intitule = models.CharField("intitulé", max_length=250)
    constat = texte_libre(
        "constat et contexte", blank=True, help_text="Ce que l'ABS ou le terrain a montré."
    )
    objectifs_action = texte_libre("objectifs de l'action", blank=True)
    description = texte_libre("description", blank=True)
    publics = models.ManyToManyField(
        PublicCible, blank=True, related_name="actions", verbose_name="publics cibles"
    )
    besoins = models.ManyToManyField(
        "axes.BesoinSocial",
        blank=True,
        related_name="actions",
        verbose_name="besoins sociaux (ABS) auxquels l'action répond",
    )
    pilote = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions_pilotees",
        verbose_name="pilote",
    )
    service_pilote = models.CharField("service pilote", max_length=150, blank=True)
    elu_referent = models.CharField("élu référent", max_length=150, blank=True)
    # The élu's account, when they have one: the fiche is then in their « Mes actions ».
    # Active accounts are offered by the forms, not enforced here (limit_choices_to): model
    # validation would then refuse every later save of a fiche whose élu left or was
    # deactivated, whatever the field the user changed.
    elu_referent_compte = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions_suivies",
        verbose_name="élu référent (compte)",
    )
    partenaires = models.ManyToManyField(
        Partenaire,
        through="ActionPartenaire",
        blank=True,
        related_name="actions",
        verbose_name="partenaires",
    )
    moyens_humains = texte_libre("moyens humains", blank=True)
    moyens_materiels = texte_libre("moyens matériels", blank=True)
    date_debut = models.DateField("date de début", null=True, blank=True)
    echeance = models.DateField("échéance", null=True, blank=True)
    communication_supports = texte_libre("supports de communication", blank=True)
    communication_messages = texte_libre("messages clés", blank=True)
    partenariat_reseau = texte_libre("volet partenariat et travail en réseau", blank=True)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutAction.choices, default=StatutAction.A_LANCER
    )
    motif_abandon = texte_libre("motif de l'abandon", blank=True)
    priorite = models.CharField(
        "priorité", max_length=10, choices=Priorite.choices, default=Priorite.MOYENNE
    )
    recurrente = models.BooleanField(
        "récurrente", default=False, help_text="L'action se répète chaque année."
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifiée par",
        editable=False,
    )

    history = HistoricalRecords(
        verbose_name="historique de la fiche action", m2m_fields=["publics", "besoins"]
    )
    objects = ActionQuerySet.as_manager()
    feminin = True

    class Meta:
        verbose_name = "fiche action"
        verbose_name_plural = "fiches action"
        ordering = ["objectif__axe__numero", "objectif__numero", "numero", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["objectif", "numero"],
                name="actions_action_numero_unique_par_objectif",
                violation_error_message="Une action porte déjà ce numéro dans cet objectif.",
            ),
            models.CheckConstraint(
                condition=Q(numero__gte=1),
                name="actions_action_numero_positif",
                violation_error_message="Le numéro de l'action doit être supérieur ou égal à 1.",
            ),
            models.CheckConstraint(
                condition=Q(date_debut__isnull=True)
                | Q(echeance__isnull=True)
                | Q(date_debut__lte=F("echeance")),
                name="actions_action_debut_avant_echeance",
                violation_error_message="La date de début doit précéder ou égaler l'échéance.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.intitule}"

    @property
    def code(self) -> str:
        """The stable number shown to users, "2.3.1": axe, objective, action."""
        return f"{self.objectif.code}.{self.numero}"

    def abandonner(self, motif: str, par) -> None:
        """Archive the action: statut « abandonnée » with its reason. It stays in the plan,
        the history and the reviews, out of every progress mean. Raises ConflitDeVersion
        when the fiche changed since it was read."""
        self.statut = StatutAction.ABANDONNEE
        self.motif_abandon = motif.strip()
        self.updated_by = par
        self.save_versioned(self.version)

    def deplacer(self, objectif, numero: int | None, par) -> None:
        """Move the fiche to ``objectif`` of the same projet under ``numero`` (default: the
        next free one there): its code changes. Raises IntegrityError when the number was
        taken in between, ConflitDeVersion when the fiche changed since it was read."""
        self.objectif = objectif
        self.numero = numero or objectif.prochain_numero_action(sauf=self)
        self.updated_by = par
        with transaction.atomic():
            self.save_versioned(self.version)

    @property
    def elu_referent_nom(self) -> str:
        """The élu référent as screens name them: the name typed on the fiche, else the
        display name of the account chosen; "" when neither is given."""
        if self.elu_referent:
            return self.elu_referent
        if self.elu_referent_compte_id is not None:
            return nom_affiche(self.elu_referent_compte)
        return ""

    @property
    def est_en_retard(self) -> bool:
        """``q_en_retard``, the one rule: annotated by the querysets of the screens
        (``with_en_retard``), else checked by the database on this fiche's values as they are
        in memory (one query)."""
        if hasattr(self, "en_retard_calcule"):
            return self.en_retard_calcule
        valeurs = {
            "echeance": Value(self.echeance, output_field=models.DateField()),
            "statut": Value(self.statut, output_field=models.CharField()),
        }
        return q_en_retard().check(valeurs)


class ActionPartenaire(models.Model):
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="participations", verbose_name="action"
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name="partenaire",
    )
    role = models.CharField(
        "rôle", max_length=20, choices=RolePartenaire.choices, default=RolePartenaire.CONTRIBUTEUR
    )

    history = HistoricalRecords(verbose_name="historique des partenaires d'une action")

    class Meta:
        verbose_name = "partenaire de l'action"
        verbose_name_plural = "partenaires de l'action"
        ordering = ["action", "partenaire__nom", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "partenaire"],
                name="actions_actionpartenaire_unique",
                violation_error_message="Ce partenaire est déjà associé à cette action.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partenaire} ({self.get_role_display()})"


class LigneBudget(models.Model):
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="lignes_budget", verbose_name="action"
    )
    annee = models.PositiveSmallIntegerField("année")
    nature = models.CharField(
        "nature",
        max_length=20,
        choices=NatureBudget.choices,
        default=NatureBudget.FONCTIONNEMENT,
    )
    libelle = models.CharField("libellé", max_length=200, blank=True)
    montant_prevu = models.DecimalField("montant prévu (€)", max_digits=12, decimal_places=2)
    montant_realise = models.DecimalField(
        "montant réalisé (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    financeur = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="financements",
        verbose_name="financeur",
        help_text="Laisser vide quand le CCAS finance seul.",
    )

    history = HistoricalRecords(verbose_name="historique du budget d'une action")

    class Meta:
        verbose_name = "ligne de budget"
        verbose_name_plural = "lignes de budget"
        ordering = ["action", "annee", "nature", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant_prevu__gte=0),
                name="actions_lignebudget_montant_prevu_positif",
                violation_error_message="Le montant prévu ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(montant_realise__isnull=True) | Q(montant_realise__gte=0),
                name="actions_lignebudget_montant_realise_positif",
                violation_error_message="Le montant réalisé ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annee} – {self.get_nature_display()} : {self.montant_prevu} €"


class Etape(models.Model):
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="etapes", verbose_name="action"
    )
    libelle = models.CharField("libellé", max_length=250)
    echeance = models.DateField("échéance", null=True, blank=True)
    faite = models.BooleanField("faite", default=False)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    history = HistoricalRecords(verbose_name="historique des étapes d'une action")

    class Meta:
        verbose_name = "étape"
        verbose_name_plural = "étapes"
        ordering = ["action", "ordre", "echeance", "pk"]

    def __str__(self) -> str:
        return self.libelle

    @property
    def est_en_retard(self) -> bool:
        return self.en_retard_le(timezone.localdate())

    def en_retard_le(self, jour: datetime.date) -> bool:
        """Not done and its échéance is before ``jour``."""
        return not self.faite and self.echeance is not None and self.echeance < jour


class Indicateur(models.Model):
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="indicateurs", verbose_name="action"
    )
    libelle = models.CharField("libellé", max_length=250)
    type = models.CharField(
        "type",
        max_length=20,
        choices=TypeIndicateur.choices,
        default=TypeIndicateur.REALISATION,
    )
    unite = models.CharField("unité", max_length=50, blank=True)
    valeur_cible = models.DecimalField(
        "valeur cible", max_digits=12, decimal_places=2, null=True, blank=True
    )
    sens = models.CharField(
        "sens",
        max_length=10,
        choices=SensIndicateur.choices,
        default=SensIndicateur.HAUSSE,
        help_text="« Plus bas = mieux » pour un délai d'attente ou un nombre d'impayés.",
    )
    mode_calcul = texte_libre("mode de calcul et source", blank=True)

    history = HistoricalRecords(verbose_name="historique des indicateurs d'une action")

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["action", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valeur_cible__isnull=True) | Q(valeur_cible__gte=0),
                name="actions_indicateur_valeur_cible_positive",
                violation_error_message="La valeur cible ne peut pas être négative.",
            ),
        ]

    def __str__(self) -> str:
        return self.libelle

    def atteinte(self, valeur: Decimal | None) -> Decimal | None:
        """How far ``valeur`` reaches the target, in percent (rounded): réalisé / cible, or
        cible / réalisé where lower is better. None without a value or a positive target
        (or, lower being better, a zero value: nothing to divide by)."""
        return atteinte(valeur, self.valeur_cible, self.sens)


def atteinte(valeur: Decimal | None, cible: Decimal | None, sens: str) -> Decimal | None:
    """The attainment rule of DOMAIN.md, for an indicator or a closed review's copy of one."""
    if valeur is None or not cible:
        return None
    if sens == SensIndicateur.BAISSE:
        if not valeur:
            return None
        return (Decimal(cible) / Decimal(valeur) * 100).quantize(Decimal("1"))
    return (Decimal(valeur) / Decimal(cible) * 100).quantize(Decimal("1"))
