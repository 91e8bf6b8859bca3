"""Import and export of fiches action, partners and indicators.

Keys (see axes/resources.py for how numbers are resolved within a projet social):

- ``ActionResource``: the code "2.3.1". The objective is the one of the code; the
  "Objectif opérationnel" column, when filled, must agree with it (moving an action to another
  objective changes its number, so it is done in the fiche, not by an import).
- ``PartenaireResource``: the nom, compared without case ("CDAS" updates "Cdas").
- ``IndicateurResource``: the action code + the libellé; renaming an indicator in the file
  therefore creates a new indicator (rename it in the fiche instead).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export.fields import Field
from import_export.widgets import ForeignKeyWidget

from actions.enums import Priorite, SensIndicateur, StatutAction, TypeIndicateur, TypePartenaire
from actions.models import Action, Indicateur, Partenaire, PublicCible
from axes.models import ProjetSocial
from axes.resources import trouver_objectif
from projet_social.resources import (
    COLONNE_PROJET,
    ChoixWidget,
    DateWidget,
    DecimalWidget,
    ListeWidget,
    OuiNonWidget,
    ResourceFrancaise,
    ResourceProjet,
    TexteWidget,
    cellule_texte,
    colonne,
    decouper_code,
)

COLONNE_CODE = "Code"
COLONNE_OBJECTIF = "Objectif opérationnel"
COLONNE_ACTION = "Action"


class UtilisateurWidget(ForeignKeyWidget):
    """A user by username; an unknown username is a French error."""

    def __init__(self) -> None:
        super().__init__(get_user_model(), field="username")

    def clean(self, value, row=None, **kwargs):
        username = cellule_texte(value)
        if not username:
            return None
        try:
            return self.model.objects.get(username=username)
        except self.model.DoesNotExist:
            raise ValueError(f"Aucun compte utilisateur « {username} ».") from None


def _action_au_code(projet: ProjetSocial, *numeros: int) -> Action | None:
    return (
        Action.objects.select_related("objectif__axe").du_projet(projet).au_code(*numeros).first()
    )


def trouver_action(projet: ProjetSocial, code) -> Action:
    """The action "2.3.1" of ``projet``; a French ValueError if it does not exist."""
    numero_axe, numero_objectif, numero = decouper_code(code, 3, "d'action")
    action = _action_au_code(projet, numero_axe, numero_objectif, numero)
    if action is None:
        raise ValueError(
            f"Action {numero_axe}.{numero_objectif}.{numero} introuvable dans le projet social "
            f"« {projet.intitule} »."
        )
    return action


def _texte_de(model, nom: str) -> Field:
    return colonne(model, nom, widget=TexteWidget())


class ActionResource(ResourceProjet):
    """The fiches action, keyed on their code "2.3.1" within the projet social."""

    projet = Field(column_name=COLONNE_PROJET, readonly=True)
    code = Field(attribute="code", column_name=COLONNE_CODE, readonly=True)
    axe = Field(column_name="Axe", readonly=True)
    objectif = Field(column_name=COLONNE_OBJECTIF, readonly=True)
    intitule = _texte_de(Action, "intitule")
    constat = _texte_de(Action, "constat")
    objectifs_action = _texte_de(Action, "objectifs_action")
    description = _texte_de(Action, "description")
    publics = Field(
        attribute="publics",
        column_name="Publics cibles",
        widget=ListeWidget(PublicCible, field="libelle"),
    )
    pilote = Field(attribute="pilote", column_name="Pilote", widget=UtilisateurWidget())
    service_pilote = _texte_de(Action, "service_pilote")
    elu_referent = _texte_de(Action, "elu_referent")
    elu_referent_compte = colonne(Action, "elu_referent_compte", widget=UtilisateurWidget())
    partenaires = Field(column_name="Partenaires", readonly=True)
    moyens_humains = _texte_de(Action, "moyens_humains")
    moyens_materiels = _texte_de(Action, "moyens_materiels")
    date_debut = Field(attribute="date_debut", column_name="Date de début", widget=DateWidget())
    echeance = Field(attribute="echeance", column_name="Échéance", widget=DateWidget())
    communication_supports = _texte_de(Action, "communication_supports")
    communication_messages = _texte_de(Action, "communication_messages")
    partenariat_reseau = _texte_de(Action, "partenariat_reseau")
    statut = Field(
        attribute="statut",
        column_name="Statut",
        widget=ChoixWidget(StatutAction),
        saves_null_values=False,
    )
    motif_abandon = _texte_de(Action, "motif_abandon")
    priorite = Field(
        attribute="priorite",
        column_name="Priorité",
        widget=ChoixWidget(Priorite),
        saves_null_values=False,
    )
    recurrente = Field(
        attribute="recurrente",
        column_name="Récurrente",
        widget=OuiNonWidget(),
        saves_null_values=False,
    )
    en_retard = Field(
        attribute="est_en_retard", column_name="En retard", widget=OuiNonWidget(), readonly=True
    )

    erreurs_vers_champ = {"numero": "code", "objectif": "objectif"}

    class Meta:
        model = Action
        fields = (
            "projet",
            "code",
            "axe",
            "objectif",
            "intitule",
            "constat",
            "objectifs_action",
            "description",
            "publics",
            "pilote",
            "service_pilote",
            "elu_referent",
            "elu_referent_compte",
            "partenaires",
            "moyens_humains",
            "moyens_materiels",
            "date_debut",
            "echeance",
            "communication_supports",
            "communication_messages",
            "partenariat_reseau",
            "statut",
            "motif_abandon",
            "priorite",
            "recurrente",
            "en_retard",
        )
        export_order = fields
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True

    def get_queryset(self):
        return self.filter_export(Action.objects.all())

    def filter_export(self, queryset, **kwargs):
        return (
            queryset.select_related("objectif__axe__projet", "pilote", "elu_referent_compte")
            .prefetch_related("publics", "participations__partenaire")
            .with_en_retard()
        )

    def projet_of_instance(self, obj) -> ProjetSocial:
        return obj.objectif.axe.projet

    def dehydrate_axe(self, obj) -> str:
        return str(obj.objectif.axe)

    def dehydrate_objectif(self, obj) -> str:
        return obj.objectif.code

    def dehydrate_partenaires(self, obj) -> str:
        return "; ".join(
            f"{p.partenaire.nom} ({p.get_role_display()})" for p in obj.participations.all()
        )

    def _code(self, row) -> tuple[int, int, int]:
        try:
            return decouper_code(row.get(COLONNE_CODE), 3, "d'action")
        except ValueError as e:
            raise ValidationError({COLONNE_CODE: [str(e)]}) from None

    def get_instance(self, instance_loader, row):
        return _action_au_code(self.projet_of_row(row), *self._code(row))

    def resolve_keys(self, instance, row, **kwargs) -> None:
        numero_axe, numero_objectif, numero = self._code(row)
        code_objectif = f"{numero_axe}.{numero_objectif}"
        colonne_objectif = cellule_texte(row.get(COLONNE_OBJECTIF))
        if colonne_objectif and colonne_objectif != code_objectif:
            raise ValidationError(
                {
                    COLONNE_OBJECTIF: [
                        f"L'objectif « {colonne_objectif} » ne correspond pas au code "
                        f"{cellule_texte(row.get(COLONNE_CODE))} (objectif {code_objectif}) : pour "
                        "changer une action d'objectif, modifiez sa fiche."
                    ]
                }
            )
        if instance.pk is not None:
            return
        instance.numero = numero
        try:
            instance.objectif = trouver_objectif(self.projet_of_row(row), code_objectif)
        except ValueError as e:
            raise ValidationError({COLONNE_OBJECTIF: [str(e)]}) from None

    def before_save_instance(self, instance, row, **kwargs) -> None:
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            if instance.pk is None:
                instance.created_by = user
            instance.updated_by = user


class PartenaireResource(ResourceFrancaise):
    """The shared directory of partners, keyed on the nom (case-insensitive)."""

    nom = Field(attribute="nom", column_name="Nom", widget=TexteWidget())
    type = Field(
        attribute="type",
        column_name="Type",
        widget=ChoixWidget(TypePartenaire),
        saves_null_values=False,
    )
    contact = Field(attribute="contact", column_name="Contact", widget=TexteWidget())
    telephone = Field(attribute="telephone", column_name="Téléphone", widget=TexteWidget())
    email = Field(attribute="email", column_name="Courriel", widget=TexteWidget())
    site = Field(attribute="site", column_name="Site internet", widget=TexteWidget())

    class Meta:
        model = Partenaire
        fields = ("nom", "type", "contact", "telephone", "email", "site")
        export_order = fields
        import_id_fields = ("nom",)
        clean_model_instances = True
        skip_unchanged = True

    def get_instance(self, instance_loader, row):
        nom = cellule_texte(row.get("Nom"))
        if not nom:
            return None
        return Partenaire.objects.filter(nom__iexact=nom).order_by("pk").first()


class IndicateurResource(ResourceProjet):
    """Indicators keyed on the action code "2.3.1" and the libellé."""

    projet = Field(column_name=COLONNE_PROJET, readonly=True)
    action = Field(attribute="action__code", column_name=COLONNE_ACTION, readonly=True)
    intitule_action = Field(
        attribute="action__intitule", column_name="Intitulé de l'action", readonly=True
    )
    libelle = Field(attribute="libelle", column_name="Libellé", widget=TexteWidget())
    type = Field(
        attribute="type",
        column_name="Type",
        widget=ChoixWidget(TypeIndicateur),
        saves_null_values=False,
    )
    unite = Field(attribute="unite", column_name="Unité", widget=TexteWidget())
    valeur_cible = Field(
        attribute="valeur_cible", column_name="Valeur cible", widget=DecimalWidget()
    )
    sens = Field(
        attribute="sens",
        column_name="Sens",
        widget=ChoixWidget(SensIndicateur),
        saves_null_values=False,
    )
    mode_calcul = Field(
        attribute="mode_calcul", column_name="Mode de calcul et source", widget=TexteWidget()
    )

    erreurs_vers_champ = {"action": "action"}

    class Meta:
        model = Indicateur
        fields = (
            "projet",
            "action",
            "intitule_action",
            "libelle",
            "type",
            "unite",
            "valeur_cible",
            "sens",
            "mode_calcul",
        )
        export_order = fields
        import_id_fields = ("action", "libelle")
        clean_model_instances = True
        skip_unchanged = True

    def get_queryset(self):
        return self.filter_export(Indicateur.objects.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("action__objectif__axe__projet")

    def projet_of_instance(self, obj) -> ProjetSocial:
        return obj.action.objectif.axe.projet

    def _action(self, row) -> Action:
        try:
            return trouver_action(self.projet_of_row(row), row.get(COLONNE_ACTION))
        except ValueError as e:
            raise ValidationError({COLONNE_ACTION: [str(e)]}) from None

    def get_instance(self, instance_loader, row):
        action = self._action(row)
        libelle = cellule_texte(row.get("Libellé"))
        return Indicateur.objects.filter(action=action, libelle=libelle).order_by("pk").first()

    def resolve_keys(self, instance, row, **kwargs) -> None:
        if instance.pk is None:
            instance.action = self._action(row)
