"""The PDF documents of the fiches: one fiche projet (with the sections the agent chose),
and the catalogue of fiches (the whole plan, or the action list's filtered fiches), rendered
by ``projet_social.pdf``. Both read the fiches in a fixed number of queries whatever their
number; permissions are the pages' (a fiche's readers, the list's readers)."""

from collections import defaultdict

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from actions.models import ORDRE_CODE, Action
from axes.models import Axe, Objectif
from evaluations.filters import SuiviActionFilter
from evaluations.models import Campagne, Evaluation, avancement_des_actions
from evaluations.services import origine_de
from projet_social import pdf
from projet_social.permissions import exiger, exiger_lecture_action, get_projet_courant
from projet_social.views.suivi import (
    SECTIONS_PDF,
    _budget_par_annee,
    _indicateurs_par_annee,
    _mesures_des_indicateurs,
)

NOMS_SECTIONS = [nom for nom, _ in SECTIONS_PDF]


def sections_choisies(request: HttpRequest) -> list[str]:
    """The sections ticked on the fiche's form (``?choix=1&section=…``); every section when
    the link was followed without the form."""
    if "choix" not in request.GET:
        return NOMS_SECTIONS
    return [nom for nom in NOMS_SECTIONS if nom in request.GET.getlist("section")]


def preparer_fiches(actions, campagne: Campagne | None) -> list[Action]:
    """``actions`` in code order with all a PDF fiche shows: their rows (``pour_fiche``:
    one query per kind), their progress in ``campagne``, their evaluations with measures
    (two queries), their budget per year and indicators' latest values (no query)."""
    fiches = list(avancement_des_actions(actions.pour_fiche(), campagne).order_by(*ORDRE_CODE))
    evaluations = defaultdict(list)
    requete = Evaluation.objects.filter(action__in=[fiche.pk for fiche in fiches])
    for evaluation in (
        requete.select_related("campagne")
        .prefetch_related("mesures")
        .order_by("-campagne__annee", "-pk")
        .iterator(chunk_size=2000)
        if fiches
        else []
    ):
        evaluations[evaluation.action_id].append(evaluation)
    for fiche in fiches:
        fiche.evaluations_fiche = evaluations[fiche.pk]
        fiche.indicateurs_pdf = list(fiche.indicateurs.all())
        _mesures_des_indicateurs(fiche.indicateurs_pdf, fiche.evaluations_fiche)
        fiche.indicateurs_par_annee = _indicateurs_par_annee(
            fiche.indicateurs_pdf, fiche.evaluations_fiche
        )
        fiche.budget = _budget_par_annee(fiche.lignes_budget.all())
        fiche.origine_avancement = origine_de(fiche, campagne)
    return fiches


@require_safe
def fiche_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    projet = get_projet_courant(request)
    campagne = Campagne.objects.derniere(projet)
    fiches = preparer_fiches(Action.objects.du_projet(projet).filter(pk=pk), campagne)
    if not fiches:
        raise Http404("Cette fiche n'existe pas dans le projet social courant.")
    (fiche,) = fiches
    exiger_lecture_action(request.user, fiche)
    return pdf.reponse_pdf(
        request,
        "pdf/fiche.html",
        {
            "projet": projet,
            "campagne": campagne,
            "action": fiche,
            "sections": sections_choisies(request),
        },
        pdf.nom_de_fichier("fiche", fiche.code, fiche.intitule),
        retour=reverse("actions:detail", args=[fiche.pk]),
        retour_libelle=f"Revenir à la fiche {fiche.code}",
    )


def contexte_catalogue(projet, actions, campagne: Campagne | None, filtres=()) -> dict:
    """The catalogue's axes > objectives > fiches, only those with fiches."""
    fiches = preparer_fiches(actions, campagne)
    par_objectif = defaultdict(list)
    for fiche in fiches:
        par_objectif[fiche.objectif_id].append(fiche)
    axes = list(Axe.objects.du_projet(projet).filter(objectifs__in=par_objectif).distinct())
    objectifs = Objectif.objects.filter(pk__in=par_objectif).order_by("numero")
    par_axe = defaultdict(list)
    for objectif in objectifs:
        objectif.fiches = par_objectif[objectif.pk]
        par_axe[objectif.axe_id].append(objectif)
    for axe in axes:
        axe.objectifs_pdf = par_axe[axe.pk]
        for objectif in axe.objectifs_pdf:
            objectif.axe = axe
            for fiche in objectif.fiches:
                fiche.objectif = objectif
    return {
        "projet": projet,
        "campagne": campagne,
        "axes": axes,
        "nombre": len(fiches),
        "filtres": list(filtres),
        "sections": NOMS_SECTIONS,
    }


@require_safe
def catalogue_pdf(request: HttpRequest) -> HttpResponse:
    """Every fiche of the plan, or those of the action list's filters (the same query
    string), each on its own page after a table of contents."""
    exiger(request.user, "actions.view_action")
    projet = get_projet_courant(request)
    campagne = Campagne.objects.derniere(projet)
    filtre = SuiviActionFilter(
        request.GET or None,
        queryset=Action.objects.du_projet(projet),
        projet=projet,
        campagne=campagne,
    )
    liste = reverse("actions:liste")
    return pdf.reponse_pdf(
        request,
        "pdf/catalogue.html",
        contexte_catalogue(projet, filtre.qs, campagne, filtre.actifs),
        pdf.nom_de_fichier("catalogue", projet.structure),
        retour=f"{liste}?{request.GET.urlencode()}" if request.GET else liste,
        retour_libelle="Revenir à la liste des actions",
        long=True,
    )


@require_safe
def document_en_preparation(request: HttpRequest, cle: str) -> HttpResponse:
    """A long document asked for in this session: the PDF once kept, the « en préparation »
    page meanwhile (202), the error page if its rendering failed. A document no longer kept
    (after a day) is asked for again. HEAD answers the page's script without the document."""
    demande = pdf.demande_retenue(request, cle)
    if demande is None:
        raise Http404("Ce document n'a pas été demandé dans cette session.")
    if request.method == "HEAD":  # the page's script: is it ready, without reading it
        etat = pdf.etat_du_document(cle)
        if etat == "pret":
            return pdf.reponse(b"", demande.nom)
    else:
        contenu = pdf.document_garde(cle)
        if contenu is not None:
            return pdf.reponse(contenu, demande.nom)
        etat = pdf.marque_du_document(cle)
    if etat == pdf.EN_COURS:
        return pdf.page_en_preparation(request, cle, demande)
    if etat == pdf.ECHEC:
        return pdf.page_erreur(request, demande.nom, demande.adresse)
    if request.method == "HEAD":
        return HttpResponse(status=404)
    return redirect(demande.adresse)
