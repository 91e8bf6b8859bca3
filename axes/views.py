"""The editing of axes and objectives (the plan as a tree is projet_social.views.suivi)."""

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from axes.forms import AxeForm, BesoinSocialForm, ObjectifForm
from axes.models import Axe, BesoinSocial, Objectif
from projet_social.doublons import enregistrer_sans_doublon, refuse_par_la_base
from projet_social.permissions import exiger, get_projet_courant

AXE_EN_DOUBLE = (
    "Un axe vient d'être enregistré avec ce numéro par ailleurs : choisissez un autre numéro."
)
OBJECTIF_EN_DOUBLE = (
    "Un objectif vient d'être enregistré avec ce numéro dans cet axe par ailleurs : choisissez "
    "un autre numéro."
)


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
        fait, axe = enregistrer_sans_doublon(form, "numero", AXE_EN_DOUBLE, form.save)
        if fait:
            return _apres_enregistrement(request, f"Axe {axe.numero} enregistré.")
    return render(
        request,
        "axes/axe_form.html",
        {"form": form, "axe": None, "titre": "Nouvel axe"},
        status=409 if refuse_par_la_base(form, "numero") else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def axe_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "axes.change_axe")
    axe = _get_axe_du_projet(request, pk)
    titre = f"Modifier l'axe {axe.numero}"  # before the form writes the input on the axe
    donnees = request.POST if request.method == "POST" else None
    form = AxeForm(donnees, instance=axe, projet=get_projet_courant(request))
    conflit = None
    if form.is_bound and form.is_valid():
        fait, conflit = enregistrer_sans_doublon(form, "numero", AXE_EN_DOUBLE, form.enregistrer)
        if fait and conflit is None:
            return _apres_enregistrement(request, f"Axe {axe.numero} enregistré.")
    return render(
        request,
        "axes/axe_form.html",
        {"form": form, "axe": axe, "titre": titre, "conflit": conflit},
        status=409 if conflit or refuse_par_la_base(form, "numero") else 200,
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
        fait, objectif = enregistrer_sans_doublon(form, "numero", OBJECTIF_EN_DOUBLE, form.save)
        if fait:
            return _apres_enregistrement(
                request, f"Objectif {objectif.code} enregistré.", f"#objectif-{objectif.pk}"
            )
    return render(
        request,
        "axes/objectif_form.html",
        {"form": form, "axe": axe, "objectif": None, "titre": "Nouvel objectif"},
        status=409 if refuse_par_la_base(form, "numero") else 200,
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


# --- The needs found by the ABS ------------------------------------------------------------


def _get_besoin_du_projet(request: HttpRequest, pk: int, besoins=None) -> BesoinSocial:
    """A need of the current projet; another projet's answers 404."""
    besoins = BesoinSocial.objects.all() if besoins is None else besoins
    return get_object_or_404(besoins.du_projet(get_projet_courant(request)), pk=pk)


@require_safe
def besoins(request: HttpRequest) -> HttpResponse:
    """The needs of the ABS, each with how many fiches answer it; those that none answers
    stand out (what the plan does not cover yet)."""
    exiger(request.user, "axes.view_besoinsocial")
    projet = get_projet_courant(request)
    liste = list(BesoinSocial.objects.du_projet(projet).with_nb_actions())
    return render(
        request,
        "axes/besoins.html",
        {
            "projet": projet,
            "besoins": liste,
            "sans_action": [besoin for besoin in liste if not besoin.nb_actions],
        },
    )


@require_safe
def besoin(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "axes.view_besoinsocial")
    besoin = _get_besoin_du_projet(request, pk, BesoinSocial.objects.pour_page())
    return render(request, "axes/besoin.html", {"besoin": besoin})


@require_http_methods(["GET", "HEAD", "POST"])
def besoin_creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "axes.add_besoinsocial")
    form = BesoinSocialForm(request.POST or None, projet=get_projet_courant(request))
    if request.method == "POST" and form.is_valid():
        besoin = form.save()
        messages.success(request, f"Besoin « {besoin.thematique} » enregistré.")
        return redirect("axes:besoin", pk=besoin.pk)
    return render(
        request, "axes/besoin_form.html", {"form": form, "besoin": None, "titre": "Nouveau besoin"}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def besoin_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "axes.change_besoinsocial")
    besoin = _get_besoin_du_projet(request, pk)
    titre = f"Modifier le besoin « {besoin.thematique} »"
    form = BesoinSocialForm(request.POST or None, instance=besoin, projet=besoin.projet)
    if request.method == "POST" and form.is_valid():
        besoin = form.save()
        messages.success(request, f"Besoin « {besoin.thematique} » enregistré.")
        return redirect("axes:besoin", pk=besoin.pk)
    return render(
        request, "axes/besoin_form.html", {"form": form, "besoin": besoin, "titre": titre}
    )
