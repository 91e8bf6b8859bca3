import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from actions.enums import StatutAction
from actions.models import Action
from axes.models import Axe
from evaluations.models import Avancement, Campagne, avancements
from projet_social.permissions import projet_courant_ou_none

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


@require_safe
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    """The home page: where the projet stands in its latest review (progress with its
    coverage, per axe), its actions by statut and the late ones."""
    projet = projet_courant_ou_none(request)
    context: dict = {"projet": projet}
    if projet is not None:
        campagne = Campagne.objects.derniere(projet)
        actions = Action.objects.du_projet(projet)
        par_statut = actions.compter_par_statut()
        axes = list(
            Axe.objects.du_projet(projet).annotate(
                nb_actions=Count("objectifs__actions", distinct=True)
            )
        )
        total, par_axe, _ = avancements(projet, campagne)
        vide = Avancement(moyenne=None, evaluees=0, comptees=0, campagne=campagne)
        for axe in axes:
            axe.avancement = par_axe.get(axe.numero, vide)
        context.update(
            campagne=campagne,
            axes=axes,
            avancement=total,
            nb_actions=sum(par_statut.values()),
            par_statut=[
                (StatutAction(statut).label, statut, n) for statut, n in par_statut.items()
            ],
            nb_en_retard=actions.en_retard().count(),
        )
    return render(request, "home.html", context)
