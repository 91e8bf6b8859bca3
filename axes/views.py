"""The editing of axes and objectives (the plan as a tree is projet_social.views.suivi)."""

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from axes.forms import AxeForm, ObjectifForm
from axes.models import Axe, Objectif
from projet_social.permissions import exiger, get_projet_courant


def _get_axe_du_projet(request: HttpRequest, pk: int) -> Axe:
    """An axe of the current projet; another projet's axe answers 404."""
    return get_object_or_404(Axe.objects.du_projet(get_projet_courant(request)), pk=pk)


def _get_objectif_du_projet(request: HttpRequest, pk: int) -> Objectif:
    projet = get_projet_courant(request)
    return get_object_or_404(Objectif.objects.du_projet(projet).select_related("axe"), pk=pk)


def _apres_enregistrement(request: HttpRequest, message: str, ancre: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("axes:plan") + ancre)


@require_http_methods(["GET", "HEAD", "POST"])
def axe_creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "axes.add_axe")
    projet = get_projet_courant(request)
    suivant = Axe.objects.du_projet(projet).aggregate(n=Max("numero"))["n"] or 0
    form = AxeForm(request.POST or None, projet=projet, initial={"numero": suivant + 1})
    if request.method == "POST" and form.is_valid():
        axe = form.save()
        return _apres_enregistrement(request, f"Axe {axe.numero} enregistré.")
    return render(request, "axes/axe_form.html", {"form": form, "axe": None, "titre": "Nouvel axe"})


@require_http_methods(["GET", "HEAD", "POST"])
def axe_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "axes.change_axe")
    axe = _get_axe_du_projet(request, pk)
    titre = f"Modifier l'axe {axe.numero}"  # before the form writes the input on the axe
    donnees = request.POST if request.method == "POST" else None
    form = AxeForm(donnees, instance=axe, projet=get_projet_courant(request))
    conflit = None
    if form.is_bound and form.is_valid():
        conflit = form.enregistrer()
        if conflit is None:
            return _apres_enregistrement(request, f"Axe {axe.numero} enregistré.")
    return render(
        request,
        "axes/axe_form.html",
        {"form": form, "axe": axe, "titre": titre, "conflit": conflit},
        status=409 if conflit else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def objectif_creer(request: HttpRequest, axe_pk: int) -> HttpResponse:
    exiger(request.user, "axes.add_objectif")
    axe = _get_axe_du_projet(request, axe_pk)
    suivant = axe.objectifs.aggregate(n=Max("numero"))["n"] or 0
    form = ObjectifForm(
        request.POST or None,
        instance=Objectif(axe=axe),
        projet=get_projet_courant(request),
        deplacable=False,
        initial={"numero": suivant + 1},
    )
    if request.method == "POST" and form.is_valid():
        objectif = form.save()
        return _apres_enregistrement(
            request, f"Objectif {objectif.code} enregistré.", f"#objectif-{objectif.pk}"
        )
    return render(
        request,
        "axes/objectif_form.html",
        {"form": form, "axe": axe, "objectif": None, "titre": "Nouvel objectif"},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def objectif_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "axes.change_objectif")
    objectif = _get_objectif_du_projet(request, pk)
    axe, code = objectif.axe, objectif.code  # before the form writes the input on the objective
    form = ObjectifForm(
        request.POST if request.method == "POST" else None,
        instance=objectif,
        projet=get_projet_courant(request),
        deplacable=True,
    )
    conflit = None
    if form.is_bound and form.is_valid():
        conflit = form.enregistrer()
        if conflit is None:
            return _apres_enregistrement(
                request, f"Objectif {objectif.code} enregistré.", f"#objectif-{objectif.pk}"
            )
    return render(
        request,
        "axes/objectif_form.html",
        {
            "form": form,
            "axe": axe,
            "objectif": objectif,
            "titre": f"Modifier l'objectif {code}",
            "conflit": conflit,
        },
        status=409 if conflit else 200,
    )
