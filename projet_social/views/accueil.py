import logging

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from axes.models import Axe, ProjetSocial
from evaluations.models import Campagne
from projet_social.generation import fragment, generation, generation_de_la_requete
from projet_social.permissions import projet_courant_ou_none
from projet_social.views.a_faire import a_faire
from projet_social.views.tableau import Portee
from projet_social.views.tableau import tableau_de_bord as tableau

logger = logging.getLogger(__name__)


@require_safe
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """For monitoring and load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("healthz: database unavailable")
        return HttpResponse("base de données indisponible\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class ChoixTableauForm(forms.Form):
    """What the dashboard shows: a review, one axe or all, a review to compare with (from
    lists read once by the view: no query of its own)."""

    bilan = forms.TypedChoiceField(label="Bilan", coerce=int, required=False)
    axe = forms.TypedChoiceField(label="Axe", coerce=int, required=False)
    comparer = forms.TypedChoiceField(
        label="Comparer avec", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, campagnes: list, axes: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choix_campagnes = [(c.pk, str(c)) for c in campagnes]
        self.fields["bilan"].choices = choix_campagnes
        self.fields["comparer"].choices = [("", "Aucun bilan"), *choix_campagnes]
        self.fields["axe"].choices = [
            ("", "Tous les axes"),
            *((axe.pk, f"Axe {axe.numero}. {axe.intitule}") for axe in axes),
        ]
        for champ in self.fields.values():
            champ.widget.attrs["class"] = "form-select"


@require_safe
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    """The home page, for everyone: where the projet stands in a review (the latest by
    default) with its charts, each figure linking to the actions behind it; for an agent or a
    pilote, what is theirs to do first."""
    # Before any data is read: the figures kept under this generation are at least as recent.
    generation_lue = generation_de_la_requete()
    projet = projet_courant_ou_none(request)
    context: dict = {"projet": projet}
    if projet is None:
        return render(request, "home.html", context)
    campagnes = list(Campagne.objects.du_projet(projet).order_by("-annee", "-pk"))
    axes = list(Axe.objects.du_projet(projet))
    choix = ChoixTableauForm(request.GET or None, campagnes=campagnes, axes=axes)
    donnees = choix.cleaned_data if choix.is_bound and choix.is_valid() else {}
    par_pk = {campagne.pk: campagne for campagne in campagnes}
    campagne = par_pk.get(donnees.get("bilan")) or (campagnes[0] if campagnes else None)
    if donnees and "comparer" in request.GET:
        comparee = par_pk.get(donnees["comparer"])
    else:
        comparee = bilan_precedent(campagnes, campagne)
    if comparee == campagne:
        comparee = None
    axe = next((axe for axe in axes if axe.pk == donnees.get("axe")), None)
    portee = Portee(
        projet=projet, campagne=campagne, campagnes=campagnes, axe=axe, comparee=comparee
    )
    choix_invalide = choix.is_bound and not donnees
    if not donnees:
        choix = ChoixTableauForm(
            initial={"bilan": campagne and campagne.pk, "comparer": comparee and comparee.pk},
            campagnes=campagnes,
            axes=axes,
        )
    ouverte = next((c for c in campagnes if not c.est_close), None)  # newest first
    taches = a_faire(request.user, projet, ouverte)
    context.update(
        a_faire=taches
        if not taches.vide or request.user.has_perm("actions.change_action")
        else None,
        choix=choix,
        choix_invalide=choix_invalide,
        portee=portee,
        campagne=campagne,
    )
    context["donnees_du_tableau"] = figures_du_tableau(
        generation_lue, projet, portee, axes, request.GET.get("indicateur")
    )
    return render(request, "home.html", context)


def bilan_precedent(campagnes: list, campagne: Campagne | None) -> Campagne | None:
    """The review the dashboard compares ``campagne`` with by default: the one before it
    (``campagnes`` newest first)."""
    return next((c for c in campagnes if campagne and c.annee < campagne.annee), None)


def figures_du_tableau(
    generation_lue: tuple[int, int], projet, portee: Portee, axes: list, indicateur: str | None
):
    """The dashboard's figures and charts for ``portee``: kept while the plan has not
    changed, else rendered (``generation_lue`` read before any data of the page)."""

    def rendre() -> str:
        # Without the request: no user, no permission, no token can end up in what is kept.
        return render_to_string(
            "includes/_tableau_donnees.html",
            {
                "portee": portee,
                "campagne": portee.campagne,
                **tableau(portee, axes, indicateur_choisi=indicateur),
            },
        )

    return fragment("tableau de bord", generation_lue, (projet.pk, portee.cle, indicateur), rendre)


def preparer_le_tableau_par_defaut() -> bool:
    """Render and keep the figures of the dashboard as it opens (the latest review compared
    with the one before, every axe), if they are not kept yet: what a server process does
    before its first request (``projet_social.prechauffage``), so that the users who log in
    after a start find them ready. False when there is no projet yet."""
    generation_lue = generation()
    projet = ProjetSocial.objects.courant()
    if projet is None:
        return False
    campagnes = list(Campagne.objects.du_projet(projet).order_by("-annee", "-pk"))
    campagne = campagnes[0] if campagnes else None
    portee = Portee(
        projet=projet,
        campagne=campagne,
        campagnes=campagnes,
        comparee=bilan_precedent(campagnes, campagne),
    )
    figures_du_tableau(generation_lue, projet, portee, list(Axe.objects.du_projet(projet)), None)
    return True


@require_safe
@login_not_required
def accessibilite(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the RGAA asks of a public body's service, public."""
    return render(
        request,
        "accessibilite.html",
        {"contact": settings.ACCESSIBILITE_CONTACT, "date": settings.ACCESSIBILITE_DATE},
    )
