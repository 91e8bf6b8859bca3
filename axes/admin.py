"""Admin of the plan's structure, and the admin toolkit shared by the three apps."""

import re

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from import_export.forms import SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from axes.resources import AxeResource, ObjectifResource
from projet_social.admin import VersionedAdminMixin
from projet_social.utilisateurs import nom_affiche

CODE_OBJECTIF = re.compile(r"^\s*(\d+)\.(\d+)\s*$")


class FormulaireExport(SelectableFieldsExportForm):
    """The export form, its column checkboxes labelled by the French headers only."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class ImportExportAdmin(ImportExportModelAdmin):
    export_form_class = FormulaireExport


def choix_utilisateurs(db_field, kwargs: dict) -> forms.ModelChoiceField:
    """A select of active accounts by name.

    Not an autocomplete: the autocomplete view needs the permission to view user accounts,
    which agents do not have, and a CCAS has a few dozen accounts at most.
    """
    kwargs["queryset"] = (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("last_name", "first_name", "username")
    )
    field = db_field.formfield(**kwargs)
    field.label_from_instance = nom_affiche
    return field


class HistoriqueAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history is a read-only record.

    Reverting from the history page is disabled: it would save a fiche without its inlines,
    bypass the optimistic locking and, for simple-history, only needs the view permission on
    POST; a closed campaign's evaluation could be changed through it.
    """

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class AxeInline(VersionedAdminMixin, admin.TabularInline):
    model = Axe
    fields = ("numero", "intitule", "couleur")
    extra = 0
    show_change_link = True


class ObjectifInline(VersionedAdminMixin, admin.TabularInline):
    model = Objectif
    fields = ("numero", "intitule")
    extra = 0
    show_change_link = True


@admin.register(ProjetSocial)
class ProjetSocialAdmin(admin.ModelAdmin):
    list_display = ("intitule", "structure", "periode", "statut", "date_adoption", "est_demo")
    list_filter = ("statut", "est_demo")
    search_fields = ("intitule", "structure", "synthese_abs")
    inlines = (AxeInline,)
    fieldsets = (
        (None, {"fields": ("intitule", "structure", "statut", "est_demo")}),
        ("Période", {"fields": (("annee_debut", "annee_fin"), "date_adoption")}),
        ("Analyse des besoins sociaux", {"fields": ("synthese_abs",)}),
    )

    @admin.display(description="période", ordering="annee_debut")
    def periode(self, obj: ProjetSocial) -> str:
        return obj.periode


@admin.register(Axe)
class AxeAdmin(VersionedAdminMixin, ImportExportAdmin):
    resource_classes = (AxeResource,)
    list_display = ("numero", "intitule", "projet", "pastille", "nb_objectifs")
    list_display_links = ("numero", "intitule")
    list_filter = ("projet",)
    list_select_related = ("projet",)
    search_fields = ("intitule", "description")
    inlines = (ObjectifInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(nb_objectifs=Count("objectifs"))

    @admin.display(description="couleur")
    def pastille(self, obj: Axe):
        return format_html(
            '<span style="display:inline-block;width:1.5em;height:1em;background:{};'
            'border:1px solid #999" title="{}"></span> {}',
            obj.couleur,
            obj.couleur,
            obj.couleur,
        )

    @admin.display(description="objectifs", ordering="nb_objectifs")
    def nb_objectifs(self, obj: Axe) -> int:
        return obj.nb_objectifs


@admin.register(Objectif)
class ObjectifAdmin(VersionedAdminMixin, ImportExportAdmin):
    resource_classes = (ObjectifResource,)
    list_display = ("code", "intitule", "axe", "nb_actions")
    list_display_links = ("code", "intitule")
    list_filter = ("axe__projet", "axe")
    list_select_related = ("axe__projet",)
    search_fields = ("intitule", "description")
    search_help_text = "Intitulé, description ou code (« 2.3 »)."

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("axe")
            .annotate(nb_actions=Count("actions"), code_tri=F("axe__numero") * 1_000 + F("numero"))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Also find an objective by its code "2.3", as agents name them."""
        code = CODE_OBJECTIF.match(search_term)
        if code:
            return queryset.filter(axe__numero=code[1], numero=code[2]), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="code", ordering="code_tri")
    def code(self, obj: Objectif) -> str:
        return obj.code

    @admin.display(description="actions", ordering="nb_actions")
    def nb_actions(self, obj: Objectif) -> int:
        return obj.nb_actions


@admin.register(BesoinSocial)
class BesoinSocialAdmin(admin.ModelAdmin):
    list_display = ("thematique", "constat_court", "chiffre_cle", "source", "projet")
    list_filter = ("projet", "thematique")
    list_select_related = ("projet",)
    search_fields = ("thematique", "constat", "chiffre_cle", "source")

    @admin.display(description="constat")
    def constat_court(self, obj: BesoinSocial) -> str:
        return obj.constat if len(obj.constat) <= 90 else f"{obj.constat[:88]}…"
