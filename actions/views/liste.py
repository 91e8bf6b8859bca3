"""The list of actions, the agents' main tool, and "Mes actions" for a pilote."""

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from actions.enums import Priorite
from actions.filters import ActionFilter
from actions.models import Action
from evaluations.models import Campagne
from projet_social.permissions import exiger, get_projet_courant

PAR_PAGE = 50

_ORDRE_PRIORITE = Case(
    When(priorite=Priorite.HAUTE, then=Value(0)),
    When(priorite=Priorite.MOYENNE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_CODE = ["objectif__axe__numero", "objectif__numero", "numero"]

# Column key -> (label, ORDER BY). The list is always completed by the code, so ties are stable.
COLONNES = {
    "code": ("N°", _CODE),
    "intitule": ("Intitulé", ["intitule"]),
    "objectif": ("Axe / objectif", _CODE),
    "statut": ("Statut", ["statut"]),
    "priorite": ("Priorité", [_ORDRE_PRIORITE]),
    "pilote": ("Pilote", ["pilote__last_name", "pilote__first_name", "pilote__username"]),
    "echeance": ("Échéance", ["echeance"]),
    "taux": ("Réalisation", ["dernier_taux"]),
}


def _ordre(tri: str) -> tuple[str, list]:
    """("-echeance") -> ("-echeance", [echeance DESC NULLS LAST, code…])."""
    cle = tri.lstrip("-")
    if cle not in COLONNES:
        tri, cle = "code", "code"
    descendant = tri.startswith("-")
    ordre = []
    for terme in COLONNES[cle][1]:
        expression = F(terme) if isinstance(terme, str) else terme
        ordre.append(
            expression.desc(nulls_last=True) if descendant else expression.asc(nulls_last=True)
        )
    return tri, ordre + _CODE + ["pk"]


def _liste(request: HttpRequest, actions, *, titre: str, template: str, extra=None):
    exiger(request.user, "actions.view_action")
    projet = get_projet_courant(request)
    campagne = Campagne.objects.derniere(projet)
    filtre = ActionFilter(
        request.GET or None,
        queryset=actions,
        projet=projet,
        campagne=campagne,
    )
    tri, ordre = _ordre(request.GET.get("tri", "code"))
    resultats = filtre.qs.with_list_related_data().order_by(*ordre)
    page = Paginator(resultats, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    parametres.pop("tri", None)
    context = {
        "titre": titre,
        "projet": projet,
        "campagne": campagne,
        "filtre": filtre,
        "page": page,
        "tri": tri,
        "entetes": _entetes(parametres, tri),
        "parametres_avec_tri": _avec(parametres, tri=tri),
        **(extra or {}),
    }
    return render(request, template, context)


def _entetes(parametres, tri: str) -> list[dict]:
    """Column headers: a link that sorts by the column, and toggles on the sorted one."""
    entetes = []
    for cle, (label, _) in COLONNES.items():
        actif = tri.lstrip("-") == cle
        descendant = tri.startswith("-")
        suivant = f"-{cle}" if actif and not descendant else cle
        entetes.append(
            {
                "label": label,
                "url": "?" + _avec(parametres, tri=suivant),
                "aria_sort": ("descending" if descendant else "ascending") if actif else None,
            }
        )
    return entetes


def _avec(parametres, **valeurs) -> str:
    copie = parametres.copy()
    for cle, valeur in valeurs.items():
        copie[cle] = valeur
    return copie.urlencode()


@require_safe
def liste(request: HttpRequest) -> HttpResponse:
    projet = get_projet_courant(request)
    return _liste(
        request,
        Action.objects.du_projet(projet),
        titre="Actions",
        template="actions/liste.html",
    )


@require_safe
def mes_actions(request: HttpRequest) -> HttpResponse:
    projet = get_projet_courant(request)
    return _liste(
        request,
        Action.objects.du_projet(projet).filter(pilote=request.user),
        titre="Mes actions",
        template="actions/liste.html",
        extra={"mes_actions": True},
    )
