import re

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest

from actions.enums import StatutAction
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from actions.resources import ActionResource, IndicateurResource, PartenaireResource
from projet_social.admin import (
    ExportAdmin,
    HistoriqueAdmin,
    VersionedAdminForm,
    VersionedAdminMixin,
    choix_utilisateurs,
)
from projet_social.utilisateurs import comptes_elus, nom_affiche

CODE_ACTION = re.compile(r"^\s*(\d+)\.(\d+)\.(\d+)\s*$")


def code_tri_action(prefixe: str = ""):
    """Sorts actions by their code "2.3.1" in one column (numbers stay below 1000 in a plan)."""
    return (
        F(f"{prefixe}objectif__axe__numero") * 1_000_000
        + F(f"{prefixe}objectif__numero") * 1_000
        + F(f"{prefixe}numero")
    )


PETITS_TEXTES = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def filtrer_par_code_action(queryset: QuerySet, search_term: str, prefixe: str = "") -> QuerySet:
    """The rows of the action "2.3.1" when the search term is an action code, else None."""
    code = CODE_ACTION.match(search_term)
    if not code:
        return None
    return queryset.filter(
        **{
            f"{prefixe}objectif__axe__numero": code[1],
            f"{prefixe}objectif__numero": code[2],
            f"{prefixe}numero": code[3],
        }
    )


class LigneDActionAdminMixin:
    """Admin of rows that belong to an action (indicators, evaluations): the action's code is
    read without a query per row, sorts the column and can be searched ("2.3.1")."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("action__objectif__axe")
            .annotate(code_tri=code_tri_action("action__"))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        par_code = filtrer_par_code_action(queryset, search_term, prefixe="action__")
        if par_code is not None:
            return par_code, False
        return super().get_search_results(request, queryset, search_term)


class EnRetardFilter(admin.SimpleListFilter):
    title = "en retard"
    parameter_name = "en_retard"

    def lookups(self, request, model_admin):
        return (("oui", "Oui"), ("non", "Non"))

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.en_retard()
        if self.value() == "non":
            return queryset.exclude(pk__in=Action.objects.en_retard().values("pk"))
        return queryset


class ActionPartenaireInline(admin.TabularInline):
    model = ActionPartenaire
    fields = ("partenaire", "role")
    autocomplete_fields = ("partenaire",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("partenaire")


class IndicateurInline(admin.TabularInline):
    model = Indicateur
    fields = ("libelle", "type", "unite", "valeur_cible", "mode_calcul")
    formfield_overrides = PETITS_TEXTES
    extra = 0
    show_change_link = True


class EtapeInline(admin.TabularInline):
    model = Etape
    fields = ("ordre", "libelle", "echeance", "faite")
    extra = 0


class LigneBudgetInline(admin.TabularInline):
    model = LigneBudget
    fields = ("annee", "nature", "libelle", "montant_prevu", "montant_realise", "financeur")
    autocomplete_fields = ("financeur",)
    extra = 0


@admin.register(PublicCible)
class PublicCibleAdmin(admin.ModelAdmin):
    list_display = ("libelle", "ordre", "nb_actions")
    list_editable = ("ordre",)
    search_fields = ("libelle",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(nb_actions=Count("actions"))

    @admin.display(description="actions", ordering="nb_actions")
    def nb_actions(self, obj: PublicCible) -> int:
        return obj.nb_actions


@admin.register(Partenaire)
class PartenaireAdmin(VersionedAdminMixin, ExportAdmin):
    resource_classes = (PartenaireResource,)
    list_display = ("nom", "type", "contact", "telephone", "email", "nb_actions")
    list_filter = ("type",)
    search_fields = ("nom", "contact", "email")
    # Partners' sites are served over https; also silences Django 5's deprecation warning.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(nb_actions=Count("participations"))

    @admin.display(description="actions", ordering="nb_actions")
    def nb_actions(self, obj: Partenaire) -> int:
        return obj.nb_actions


class ActionAdminForm(VersionedAdminForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields.get("elu_referent_compte")
        if champ is not None and self.instance.elu_referent_compte_id is not None:
            # The account the fiche names stays selectable (else saving would drop it).
            champ.queryset = comptes_elus(garder=self.instance.elu_referent_compte_id)


@admin.register(Action)
class ActionAdmin(VersionedAdminMixin, ExportAdmin, HistoriqueAdmin):
    form = ActionAdminForm
    resource_classes = (ActionResource,)
    list_display = (
        "code",
        "intitule",
        "objectif_code",
        "statut",
        "priorite",
        "pilote_nom",
        "echeance",
        "en_retard",
        "updated_at",
    )
    list_display_links = ("code", "intitule")
    list_filter = (
        "statut",
        "priorite",
        EnRetardFilter,
        ("objectif__axe", admin.RelatedOnlyFieldListFilter),
        ("pilote", admin.RelatedOnlyFieldListFilter),
        "recurrente",
        "publics",
        "objectif__axe__projet",
    )
    search_fields = (
        "intitule",
        "constat",
        "objectifs_action",
        "description",
        "service_pilote",
        "elu_referent",
    )
    search_help_text = "Intitulé, constat, objectifs, description, service ou code (« 2.3.1 »)."
    autocomplete_fields = ("objectif", "besoins")
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")
    inlines = (ActionPartenaireInline, IndicateurInline, EtapeInline, LigneBudgetInline)
    actions = ("marquer_realisee", "marquer_en_cours")
    fieldsets = (
        (
            "Identification",
            {
                "fields": (
                    ("objectif", "numero"),
                    "intitule",
                    ("pilote", "service_pilote"),
                    ("elu_referent_compte", "elu_referent"),
                    ("statut", "priorite", "recurrente"),
                    "motif_abandon",
                )
            },
        ),
        (
            "Constat et objectifs",
            {"fields": ("constat", "besoins", "objectifs_action", "description")},
        ),
        (
            "Publics et partenaires",
            {
                "fields": ("publics",),
                "description": "Les partenaires et leur rôle se saisissent plus bas.",
            },
        ),
        ("Moyens", {"fields": ("moyens_humains", "moyens_materiels")}),
        ("Calendrier", {"fields": (("date_debut", "echeance"),)}),
        (
            "Communication et réseau",
            {
                "fields": (
                    "communication_supports",
                    "communication_messages",
                    "partenariat_reseau",
                )
            },
        ),
        (
            "Suivi",
            {
                "classes": ("collapse",),
                "fields": (("created_at", "created_by"), ("updated_at", "updated_by")),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # objectif__axe for the code, also shown by the autocomplete of other admins.
        return (
            super()
            .get_queryset(request)
            .select_related("objectif__axe", "pilote")
            .with_en_retard()
            .annotate(code_tri=code_tri_action())
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        par_code = filtrer_par_code_action(queryset, search_term)
        if par_code is not None:
            return par_code, False
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pilote":
            return choix_utilisateurs(db_field, kwargs)
        if db_field.name == "elu_referent_compte":
            return choix_utilisateurs(db_field, kwargs, queryset=comptes_elus())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "publics":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Action, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="code", ordering="code_tri")
    def code(self, obj: Action) -> str:
        return obj.code

    @admin.display(description="objectif", ordering="code_tri")
    def objectif_code(self, obj: Action) -> str:
        return f"{obj.objectif.code} {obj.objectif.intitule}"

    @admin.display(description="pilote", ordering="pilote__last_name")
    def pilote_nom(self, obj: Action) -> str:
        return nom_affiche(obj.pilote)

    @admin.display(description="en retard", boolean=True, ordering="en_retard_calcule")
    def en_retard(self, obj: Action) -> bool:
        return obj.est_en_retard

    def _changer_statut(self, request: HttpRequest, queryset: QuerySet, statut: str) -> None:
        changees = 0
        for action in queryset:
            if action.statut == statut:
                continue
            action.statut = statut
            action.updated_by = request.user
            action._history_user = request.user
            action.save_versioned(action.version)
            changees += 1
        libelle = StatutAction(statut).label.lower()
        self.message_user(
            request,
            f"{changees} fiche(s) action passée(s) au statut « {libelle} ».",
            messages.SUCCESS,
        )

    @admin.action(description="Marquer comme réalisée(s)", permissions=("change",))
    def marquer_realisee(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._changer_statut(request, queryset, StatutAction.REALISEE)

    @admin.action(description="Marquer comme en cours", permissions=("change",))
    def marquer_en_cours(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._changer_statut(request, queryset, StatutAction.EN_COURS)


@admin.register(Indicateur)
class IndicateurAdmin(LigneDActionAdminMixin, ExportAdmin, HistoriqueAdmin):
    resource_classes = (IndicateurResource,)
    list_display = ("libelle", "action_code", "type", "unite", "valeur_cible")
    list_filter = ("type", ("action__objectif__axe", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("action__objectif__axe",)
    search_fields = ("libelle", "mode_calcul", "action__intitule")
    search_help_text = "Libellé, mode de calcul, intitulé ou code de l'action (« 2.3.1 »)."
    autocomplete_fields = ("action",)

    @admin.display(description="action", ordering="code_tri")
    def action_code(self, obj: Indicateur) -> str:
        return str(obj.action)
