"""The meetings of the projet: the concertation page (the co-construction record), a meeting's
page, and the form to record or edit a meeting (réunion partenariale of a bilan annuel
included, opened from the campaign page with ?type=bilan_annuel&campagne=<pk>)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from axes.models import ProjetSocial
from evaluations.enums import TypeReunion
from evaluations.forms.reunions import ReunionForm, intitule_par_defaut
from evaluations.models import Campagne, Reunion
from projet_social.permissions import exiger, exiger_campagne_ouverte, get_projet_courant
from projet_social.versioning import Conflit

# (field, column header) of the participant counts, in the order of the model.
CATEGORIES = [(champ, Reunion._meta.get_field(champ).verbose_name) for champ in Reunion.CATEGORIES]


def _get_reunion_for_user(request: HttpRequest, pk: int) -> Reunion:
    """The meeting ``pk`` of the current projet (404 for any other projet's meeting)."""
    exiger(request.user, "evaluations.view_reunion")
    reunions = Reunion.objects.filter(projet=get_projet_courant(request))
    return get_object_or_404(reunions.with_list_related_data(), pk=pk)


@require_safe
def concertation(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "evaluations.view_reunion")
    projet = get_projet_courant(request)
    reunions = Reunion.objects.filter(projet=projet)
    concertations = reunions.filter(type=TypeReunion.CONCERTATION)
    lignes = list(concertations.with_list_related_data().order_by("date", "pk"))
    totaux = concertations.totaux()
    autres = (
        reunions.exclude(type=TypeReunion.CONCERTATION)
        .select_related("campagne")
        .order_by("date", "pk")
    )
    return render(
        request,
        "evaluations/concertation.html",
        {
            "projet": projet,
            "categories": CATEGORIES,
            "concertations": [
                (reunion, [getattr(reunion, champ) for champ in Reunion.CATEGORIES])
                for reunion in lignes
            ],
            "totaux": totaux,
            "totaux_categories": [totaux[f"somme_{champ}"] for champ in Reunion.CATEGORIES],
            "autres": autres,
            "peut_creer": request.user.has_perm("evaluations.add_reunion"),
        },
    )


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    reunion = _get_reunion_for_user(request, pk)
    campagne_close = reunion.campagne is not None and reunion.campagne.est_close
    return render(
        request,
        "evaluations/reunion.html",
        {
            "reunion": reunion,
            "participants": [(libelle, getattr(reunion, champ)) for champ, libelle in CATEGORIES],
            "campagne_close": campagne_close,
            "peut_modifier": (
                request.user.has_perm("evaluations.change_reunion") and not campagne_close
            ),
        },
    )


def _campagne_demandee(request: HttpRequest, projet: ProjetSocial) -> Campagne | None:
    """The campaign named by ?campagne=<pk>: one of the projet (else 404), still open
    (else 403: a closed review's meeting is frozen like its evaluations)."""
    valeur = request.GET.get("campagne")
    if valeur is None or valeur == "":
        return None
    if not valeur.isdigit():
        raise Http404("Campagne inconnue.")
    campagne = get_object_or_404(Campagne.objects.du_projet(projet), pk=valeur)
    exiger_campagne_ouverte(campagne)
    return campagne


def _valeurs_initiales(
    request: HttpRequest, projet: ProjetSocial, campagne: Campagne | None
) -> dict:
    """What a new meeting's form starts with, from ?type= and ?campagne=. A bilan annuel
    meeting with no campaign named is proposed for the latest open campaign."""
    type_reunion = request.GET.get("type")
    if type_reunion not in TypeReunion.values:
        type_reunion = TypeReunion.BILAN_ANNUEL if campagne else TypeReunion.CONCERTATION
    if type_reunion == TypeReunion.BILAN_ANNUEL and campagne is None:
        campagne = Campagne.objects.derniere_ouverte(projet)
    initial = {"type": type_reunion, "intitule": intitule_par_defaut(type_reunion, campagne)}
    if campagne is not None:
        initial["campagne"] = campagne.pk
        if campagne.date_reunion:
            initial["date"] = campagne.date_reunion
    return initial


def _rendre_formulaire(
    request: HttpRequest,
    form: ReunionForm,
    reunion: Reunion | None,
    campagne: Campagne | None,
    retour: str,
    intitule: str = "",
    conflit: Conflit | None = None,
) -> HttpResponse:
    """The form page; ``intitule`` is the edited meeting's saved title (the form may have
    written the user's input on the instance), for the title and breadcrumbs; ``conflit``: a
    save refused because someone saved the meeting meanwhile (409)."""
    creation = reunion is None
    return render(
        request,
        "evaluations/reunion_form.html",
        {
            "form": form,
            "reunion": reunion,
            "campagne": campagne,
            "creation": creation,
            "retour": retour,
            "intitule": intitule,
            "titre": "Nouvelle réunion" if creation else f"Modifier « {intitule} »",
            "categories": [form[champ] for champ in Reunion.CATEGORIES],
            "conflit": conflit,
        },
        status=409 if conflit else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "evaluations.add_reunion")
    projet = get_projet_courant(request)
    campagne = _campagne_demandee(request, projet)
    if campagne is not None:
        retour = reverse("evaluations:campagne", kwargs={"pk": campagne.pk})
    else:
        retour = reverse("evaluations:concertation")
    if request.method == "POST":
        form = ReunionForm(request.POST, projet=projet)
        if form.is_valid():
            reunion = form.save()  # the meeting, its axes and partners, in one transaction
            messages.success(request, "Réunion enregistrée.")
            if campagne is not None:
                return redirect("evaluations:campagne", pk=reunion.campagne_id or campagne.pk)
            return redirect("evaluations:reunion", pk=reunion.pk)
    else:
        form = ReunionForm(projet=projet, initial=_valeurs_initiales(request, projet, campagne))
    return _rendre_formulaire(request, form, None, campagne, retour)


@require_http_methods(["GET", "HEAD", "POST"])
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "evaluations.change_reunion")
    projet = get_projet_courant(request)
    reunion = _get_reunion_for_user(request, pk)
    campagne = reunion.campagne
    if campagne is not None:
        exiger_campagne_ouverte(campagne)
    intitule = reunion.intitule  # before the form writes the input on the meeting
    donnees = request.POST if request.method == "POST" else None
    form = ReunionForm(donnees, instance=reunion, projet=projet)
    conflit = None
    if form.is_bound and form.is_valid():
        conflit = form.enregistrer()
        if conflit is None:
            messages.success(request, "Réunion enregistrée.")
            return redirect("evaluations:reunion", pk=pk)
    retour = reverse("evaluations:reunion", kwargs={"pk": pk})
    return _rendre_formulaire(
        request, form, reunion, campagne, retour, intitule=intitule, conflit=conflit
    )
