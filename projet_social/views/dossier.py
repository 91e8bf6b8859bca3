"""The « Dossier du bilan annuel » of a review, in PDF: cover, table of contents, summary
figures with the dashboard's charts, the réunion partenariale and its decisions, each axe
with its actions' evaluations, the actions decided, the ABS needs and the actions answering
them, an annex of every indicator.

It shows the figures of the review's page (``evaluations.services``): an open review is
read as it is now and marked « en cours de saisie »; a closed one only from the rows its
closing wrote, so its dossier never changes. A closed review's dossier is rendered at its
first download and kept (``DossierBilan``): later downloads serve it without rendering. Being
long, it may be given by the « en préparation » page (``projet_social.pdf``).

Queries, whatever the number of actions, indicators, needs and meetings (30 for an open
review; 30 for a closed one rendered and kept; 5 for a closed one kept, the plan unchanged;
each rendering counts 12 for the cache of rendered documents: lookup, « being rendered »
mark, document, mark removed):
session, user, the plan's generation, the user's permissions (2: own and groups') and the
current projet (both kept by the process until the plan changes), campaign; then
- open: lines of the review (2: the fiches with their avancement, the evaluations),
  progress per axe, meetings (3: with their partners and axes), indicators (2: the fiches'
  indicators, the measures), needs (2: the needs, their links), indicators on target;
- closed: the kept dossier; if none, the review's rows, progress per axe, meetings, measures,
  indicators on target (needs are recorded on the campaign), then keeping it (5: savepoint,
  lock of the campaign, delete of one of an older layout, insert, release).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from actions.enums import StatutAction
from axes.models import ProjetSocial
from evaluations.models import Q_A_LA_CIBLE, Q_MESUREE, Avancement, Campagne, Mesure
from evaluations.services import (
    AxeDuBilan,
    LigneBilan,
    axes_du_bilan,
    besoins_du_bilan,
    decisions,
    lignes_du_bilan,
    lire_les_mesures,
    reunions_du_bilan,
)
from projet_social import pdf
from projet_social.permissions import exiger, get_projet_courant
from projet_social.views.tableau import (
    graphique_avancement_par_axe,
    graphique_des_statuts,
    pourcent,
)

GABARIT = "pdf/dossier.html"
# The dossier's layout version: raise it when the templates change, so that the dossiers
# kept for closed reviews are rendered again with the new layout at their next download.
MISE_EN_PAGE = 1


@dataclass
class AxeDuDossier:
    """An axe of the review with its lines and what its summary shows."""

    axe: AxeDuBilan
    lignes: list[LigneBilan]
    jour: datetime.date  # the day lateness is judged on
    comptes: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.comptes = compter_les_statuts(self.lignes)

    @property
    def par_statut(self) -> list[tuple[str, int]]:
        return [(label, self.comptes[code]) for code, label in StatutAction.choices]

    @property
    def realisees(self) -> list[LigneBilan]:
        return [ligne for ligne in self.lignes if ligne.statut == StatutAction.REALISEE]

    @property
    def en_retard(self) -> list[LigneBilan]:
        return [ligne for ligne in self.lignes if ligne.en_retard_le(self.jour)]

    @property
    def non_evaluees(self) -> list[LigneBilan]:
        return [ligne for ligne in self.lignes if not ligne.evaluee and not ligne.hors_avancement]


def compter_les_statuts(lignes: list[LigneBilan]) -> dict[str, int]:
    """{statut counted in the review: number of lines}, every statut present."""
    comptes = {statut: 0 for statut in StatutAction.values}
    for ligne in lignes:
        comptes[ligne.statut] = comptes.get(ligne.statut, 0) + 1
    return comptes


def jour_de_reference(campagne: Campagne) -> datetime.date:
    """The day the dossier judges lateness on: the closing for a closed review (its dossier
    never changes), today for an open one."""
    if campagne.est_close and campagne.closed_at is not None:
        return timezone.localdate(campagne.closed_at)
    return timezone.localdate()


def contexte_du_dossier(projet: ProjetSocial, campagne: Campagne) -> dict:
    lignes = lignes_du_bilan(campagne)
    par_axe = campagne.avancement_par_axe()
    total = Avancement.combiner(par_axe.values(), campagne)
    axes = axes_du_bilan(campagne, lignes, par_axe)
    jour = jour_de_reference(campagne)
    lire_les_mesures(campagne, lignes)
    axes_du_dossier = [
        AxeDuDossier(axe, [ligne for ligne in lignes if ligne.numero_axe == axe.numero], jour)
        for axe in axes
    ]
    comptes = compter_les_statuts(lignes)
    indicateurs = (
        Mesure.objects.filter(evaluation__campagne=campagne)
        .avec_atteinte()
        .aggregate(
            mesurees=Count("pk", filter=Q_MESUREE), a_la_cible=Count("pk", filter=Q_A_LA_CIBLE)
        )
    )
    mesures = [mesure for ligne in lignes for mesure in ligne.mesures]
    return {
        "projet": projet,
        "campagne": campagne,
        "lignes": lignes,
        "axes": axes_du_dossier,
        "total": total,
        "total_texte": pourcent(total.moyenne),
        "comptes": [(label, comptes[code]) for code, label in StatutAction.choices],
        "nb_lignes": len(lignes),
        "nb_en_retard": sum(1 for ligne in lignes if ligne.en_retard_le(jour)),
        "jour": jour,
        "indicateurs": indicateurs,
        "mesures": mesures,
        "graphique_axes": graphique_avancement_par_axe(axes, par_axe, campagne),
        "graphique_statuts": graphique_des_statuts(comptes, campagne),
        "reunions": reunions_du_bilan(campagne),
        "decisions": decisions(lignes),
        "besoins": besoins_du_bilan(campagne, lignes),
    }


@require_safe
def dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The dossier of the review ``pk`` of the current projet, for whoever sees its page."""
    exiger(request.user, "evaluations.view_campagne")
    projet = get_projet_courant(request)
    campagne = get_object_or_404(Campagne.objects.du_projet(projet), pk=pk)
    nom = pdf.nom_de_fichier("bilan", str(campagne.annee), projet.structure)
    contenu = campagne.dossier_conserve(MISE_EN_PAGE)
    if contenu is not None:
        return pdf.reponse(contenu, nom)
    return pdf.reponse_pdf(
        request,
        GABARIT,
        contexte_du_dossier(projet, campagne),
        nom,
        retour=reverse("evaluations:campagne", args=[campagne.pk]),
        retour_libelle=f"Revenir au bilan {campagne.annee}",
        long=True,
        # A closed review's dossier is kept with it, once rendered (by this request or
        # after it, by the thread that watched the rendering).
        apres=(
            functools.partial(campagne.conserver_dossier, mise_en_page=MISE_EN_PAGE)
            if campagne.est_close
            else None
        ),
    )
