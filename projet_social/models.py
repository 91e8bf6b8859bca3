"""What the project package keeps of its own: the record of every import of the workbook made
in the browser or by the ``importer_projet`` command (who, when, which file, what it did).

A roof module (tests/test_architecture.py): it points at the apps' models, none points at it.
"""

import secrets

from django.conf import settings
from django.db import models

from axes.models import ProjetSocial


def nouveau_jeton() -> str:
    return secrets.token_urlsafe(32)


class ImportClasseur(models.Model):
    """One import of the whole-plan workbook. In the browser it begins as a preview: the file
    is kept here (``contenu``), under a random ``jeton`` that only the session which sent it
    knows, with the fingerprint of the plan at that moment (``empreinte_du_plan``). The
    confirmation re-reads that very file, refuses if the plan changed since, then imports; the
    file is dropped once the import is done, refused or abandoned."""

    class Statut(models.TextChoices):
        PREVISUALISE = "previsualise", "En attente de confirmation"
        ENREGISTRE = "enregistre", "Enregistré"
        REFUSE = "refuse", "Refusé"
        ABANDONNE = "abandonne", "Abandonné"

    class Origine(models.TextChoices):
        NAVIGATEUR = "navigateur", "Page d'import"
        COMMANDE = "commande", "Commande importer_projet"

    projet = models.ForeignKey(
        ProjetSocial, on_delete=models.CASCADE, related_name="imports", verbose_name="projet"
    )
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    origine = models.CharField(
        "origine", max_length=12, choices=Origine.choices, default=Origine.NAVIGATEUR
    )
    nom_du_fichier = models.CharField("fichier", max_length=255)
    taille = models.PositiveIntegerField("taille (octets)")
    empreinte_du_fichier = models.CharField("empreinte SHA-256 du fichier", max_length=64)
    statut = models.CharField("statut", max_length=12, choices=Statut.choices)
    motif = models.CharField("motif", max_length=300, blank=True)
    cree_le = models.DateTimeField("déposé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    creees = models.PositiveIntegerField("lignes créées", default=0)
    modifiees = models.PositiveIntegerField("lignes modifiées", default=0)
    inchangees = models.PositiveIntegerField("lignes inchangées", default=0)
    erreurs = models.PositiveIntegerField("erreurs", default=0)
    rapport = models.JSONField("rapport", default=dict, blank=True)
    # While a preview waits for its confirmation only.
    jeton = models.CharField(max_length=64, default=nouveau_jeton, unique=True, editable=False)
    contenu = models.BinaryField("classeur", null=True, blank=True, editable=False)
    empreinte_du_plan = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "import du classeur"
        verbose_name_plural = "imports du classeur"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Import n° {self.pk} ({self.nom_du_fichier})"

    @property
    def raison(self) -> str:
        """What the history of every row it changed says."""
        return f"Import du classeur n° {self.pk}"

    @property
    def en_attente(self) -> bool:
        return self.statut == self.Statut.PREVISUALISE


class EchecConnexion(models.Model):
    """One failed attempt to log in (or one being checked: ``projet_social.connexion`` writes
    the row before it checks the password and deletes it on success, so that parallel attempts
    count each other). ``identifiant`` is normalised as authentication reads it (NFKC), then
    case-folded."""

    identifiant = models.CharField("identifiant", max_length=150)
    adresse = models.GenericIPAddressField("adresse", null=True, blank=True)
    date = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "échec de connexion"
        verbose_name_plural = "échecs de connexion"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["identifiant", "adresse", "date"], name="echec_paire_date"),
            models.Index(fields=["adresse", "date"], name="echec_adresse_date"),
        ]

    def __str__(self) -> str:
        return f"{self.identifiant} depuis {self.adresse or 'adresse inconnue'}"


class Ecriture(models.Model):
    """One write to a table of the plan (an INSERT, UPDATE or DELETE statement, or row in
    SQLite), noted by a database trigger whatever wrote it: a form, an import, a queryset's
    update(), a bulk_create, the shell. Pages that keep a rendered part know by these rows
    whether the data has changed since (``projet_social.generation``)."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = "écriture dans le plan"
        verbose_name_plural = "écritures dans le plan"
        # A technical log: no one manages it, so no role has permissions on it.
        default_permissions = ()

    def __str__(self) -> str:
        return f"Écriture n° {self.pk}"
