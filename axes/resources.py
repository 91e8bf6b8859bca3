"""Import and export of the plan's structure: axes and objectives (see
projet_social/resources.py for the shared toolkit and its rules)."""

from django.core.exceptions import ValidationError
from import_export.fields import Field

from axes.models import Axe, Objectif, ProjetSocial
from projet_social.resources import (
    COLONNE_PROJET,
    EntierWidget,
    ResourceProjet,
    TexteWidget,
    colonne,
    decouper_code,
)


def trouver_axe(projet: ProjetSocial, numero: int) -> Axe:
    axe = Axe.objects.filter(projet=projet, numero=numero).first()
    if axe is None:
        raise ValueError(f"Axe {numero} introuvable dans le projet social « {projet.intitule} ».")
    return axe


def trouver_objectif(projet: ProjetSocial, code) -> Objectif:
    """The objective "2.3" of ``projet``; a French ValueError if it does not exist."""
    numero_axe, numero = decouper_code(code, 2, "d'objectif")
    objectif = (
        Objectif.objects.select_related("axe")
        .filter(axe__projet=projet, axe__numero=numero_axe, numero=numero)
        .first()
    )
    if objectif is None:
        raise ValueError(
            f"Objectif {numero_axe}.{numero} introuvable dans le projet social "
            f"« {projet.intitule} »."
        )
    return objectif


def _erreur(nom_colonne: str, erreur: ValueError) -> ValidationError:
    return ValidationError({nom_colonne: [str(erreur)]})


class AxeResource(ResourceProjet):
    """Axes keyed on projet + numéro ("2")."""

    projet = Field(column_name=COLONNE_PROJET, readonly=True)
    numero = colonne(Axe, "numero", widget=EntierWidget())
    intitule = colonne(Axe, "intitule", widget=TexteWidget())
    description = colonne(Axe, "description", widget=TexteWidget())
    couleur = colonne(Axe, "couleur", widget=TexteWidget(), saves_null_values=False)

    class Meta:
        model = Axe
        fields = ("projet", "numero", "intitule", "description", "couleur")
        export_order = fields
        import_id_fields = ("numero",)
        clean_model_instances = True
        skip_unchanged = True

    def get_queryset(self):
        return Axe.objects.select_related("projet")

    def projet_of_instance(self, obj) -> ProjetSocial:
        return obj.projet

    def get_instance(self, instance_loader, row):
        projet = self.projet_of_row(row)
        try:
            numero = self.fields["numero"].clean(row)
        except ValueError as e:
            raise _erreur(self.fields["numero"].column_name, e) from None
        return Axe.objects.filter(projet=projet, numero=numero).first()

    def resolve_keys(self, instance, row, **kwargs) -> None:
        if instance.projet_id is None:
            instance.projet = self.projet_of_row(row)


class ObjectifResource(ResourceProjet):
    """Objectives keyed on their code "2.3" (axe number, objective number) in the projet."""

    projet = Field(column_name=COLONNE_PROJET, readonly=True)
    code = Field(attribute="code", column_name="Code", readonly=True)
    axe = Field(column_name="Axe", readonly=True)
    intitule = colonne(Objectif, "intitule", widget=TexteWidget())
    description = colonne(Objectif, "description", widget=TexteWidget())

    erreurs_vers_champ = {"numero": "code", "axe": "code"}

    class Meta:
        model = Objectif
        fields = ("projet", "code", "axe", "intitule", "description")
        export_order = fields
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True

    def get_queryset(self):
        return Objectif.objects.select_related("axe__projet")

    def projet_of_instance(self, obj) -> ProjetSocial:
        return obj.axe.projet

    def dehydrate_axe(self, obj) -> str:
        return obj.axe.intitule

    def get_instance(self, instance_loader, row):
        projet = self.projet_of_row(row)
        try:
            numero_axe, numero = decouper_code(row.get("Code"), 2, "d'objectif")
        except ValueError as e:
            raise _erreur("Code", e) from None
        return (
            Objectif.objects.select_related("axe")
            .filter(axe__projet=projet, axe__numero=numero_axe, numero=numero)
            .first()
        )

    def resolve_keys(self, instance, row, **kwargs) -> None:
        if instance.pk is not None:
            return
        projet = self.projet_of_row(row)
        numero_axe, numero = decouper_code(row.get("Code"), 2, "d'objectif")
        try:
            instance.axe = trouver_axe(projet, numero_axe)
        except ValueError as e:
            raise _erreur("Code", e) from None
        instance.numero = numero
