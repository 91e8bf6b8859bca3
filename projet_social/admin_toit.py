"""The admin of what the project package keeps (imports of the workbook, failed logins), and
who reaches the admin at all: the Administrateurs only (agents work in the product). Loaded
by the URLs; a roof module (tests/test_architecture.py)."""

from django.contrib import admin, messages
from django.http import HttpRequest

from projet_social import roles
from projet_social.connexion import lever, suspensions
from projet_social.models import EchecConnexion, ImportClasseur


def reserve_aux_administrateurs(request: HttpRequest) -> bool:
    """The admin site's door: an active staff account with the Administrateurs' right to
    manage accounts (roles.py gives it to that group alone), or a superuser. An agent marked
    staff by mistake is refused too. Read from the permissions the admin loads anyway."""
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(roles.PERMISSION_ADMINISTRATION)


admin.site.has_permission = reserve_aux_administrateurs


@admin.register(ImportClasseur)
class ImportClasseurAdmin(admin.ModelAdmin):
    list_display = ["pk", "cree_le", "par", "origine", "nom_du_fichier", "statut", "creees"]
    list_display += ["modifiees", "erreurs"]
    list_filter = ["statut", "origine"]
    list_select_related = ["par"]
    exclude = ["contenu", "jeton", "empreinte_du_plan"]
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("contenu")


@admin.register(EchecConnexion)
class EchecConnexionAdmin(admin.ModelAdmin):
    """The failed logins of the last day; the list says which pairs and addresses are
    suspended now, and the action « Lever la suspension » forgets the failures chosen."""

    list_display = ["date", "identifiant", "adresse"]
    list_filter = ["date"]
    search_fields = ["identifiant", "adresse"]
    actions = ["lever_la_suspension"]
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for suspension in suspensions():
                qui = (
                    f"l'identifiant « {suspension['identifiant']} » depuis "
                    f"{suspension['adresse'] or 'une adresse inconnue'}"
                    if suspension["identifiant"]
                    else f"toute connexion depuis {suspension['adresse']}"
                )
                messages.warning(
                    request,
                    f"Suspendu jusqu'à {suspension['jusqu_a']:%H:%M} : {qui} "
                    f"({suspension['echecs']} échecs).",
                )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Lever la suspension (oublier ces échecs)")
    def lever_la_suspension(self, request, queryset) -> None:
        paires = set(queryset.values_list("identifiant", "adresse"))
        nombre = sum(lever(identifiant, adresse) for identifiant, adresse in paires)
        messages.success(request, f"{nombre} échec(s) oublié(s) : la connexion est rétablie.")
