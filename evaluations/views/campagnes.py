"""The yearly review (bilan annuel): the list of campaigns, opening one (and preparing its
evaluations), the campaign page where the review is worked on, editing, closing, reopening.

A closed campaign is frozen: every mutating view answers 403 (``exiger_campagne_ouverte``),
forged POSTs included, and its page shows the fiches as they were when it closed."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from actions.views.fiche import creer_fiche
from evaluations.enums import TypeReunion
from evaluations.forms.campagnes import (
    ANNEE_DEJA_OUVERTE,
    CampagneForm,
    CampagneOuvertureForm,
    FiltreBilanForm,
)
from evaluations.models import ActionDecidee, Avancement, Campagne, CampagneDejaClose, Reunion
from evaluations.services import (
    Etat,
    axes_du_bilan,
    decisions,
    lignes_du_bilan,
    ouvrir_campagne,
)
from projet_social.permissions import (
    exiger,
    exiger_campagne_ouverte,
    get_projet_courant,
    peut_evaluer_action,
)
from projet_social.utilisateurs import nom_affiche

HISTORIQUE_MAX = 20


def _get_campagne_du_projet(request: HttpRequest, pk: int, *, verrou: bool = False) -> Campagne:
    """The campaign ``pk`` of the current projet (404 for another projet's campaign);
    ``verrou`` locks the row, inside the caller's transaction."""
    campagnes = Campagne.objects.du_projet(get_projet_courant(request))
    if verrou:
        campagnes = campagnes.select_for_update()
    return get_object_or_404(campagnes, pk=pk)


# --- Reading ------------------------------------------------------------------------------


@require_safe
def liste(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "evaluations.view_campagne")
    projet = get_projet_courant(request)
    campagnes = list(Campagne.objects.du_projet(projet).order_by("-annee", "pk"))
    for campagne in campagnes:  # one query each: a plan has one review a year
        campagne.progression = campagne.avancement()
    form = None
    if request.user.has_perm("evaluations.add_campagne"):
        form = CampagneOuvertureForm(projet=projet)
    return render(
        request,
        "evaluations/campagnes.html",
        {
            "projet": projet,
            "campagnes": campagnes,
            "form": form,
            "en_cours": next((c for c in campagnes if not c.est_close), None),
        },
    )


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "evaluations.view_campagne")
    campagne = _get_campagne_du_projet(request, pk)
    projet = get_projet_courant(request)
    user = request.user
    lignes = lignes_du_bilan(campagne)
    par_axe = campagne.avancement_par_axe()
    total = Avancement.combiner(par_axe.values(), campagne)  # one query for both
    axes_bilan = axes_du_bilan(campagne, lignes, par_axe)
    ouverte = not campagne.est_close
    for ligne in lignes:
        ligne.peut_evaluer = ouverte and peut_evaluer_action(user, ligne)
    filtre = FiltreBilanForm(request.GET or None, axes=axes_bilan, lignes=lignes)
    affichees = filtre.filtrer(lignes)
    reunions = Reunion.objects.filter(campagne=campagne, type=TypeReunion.BILAN_ANNUEL).order_by(
        "date", "pk"
    )
    if not campagne.est_close:  # a closed review shows the partners its closing recorded
        reunions = reunions.with_partenaires()
    historique = campagne.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )[:HISTORIQUE_MAX]
    peut_modifier = ouverte and user.has_perm("evaluations.change_campagne")
    sans_evaluation = [
        ligne for ligne in lignes if ligne.etat == Etat.A_EVALUER and not ligne.evaluation
    ]
    a_evaluer = total.comptees - total.evaluees
    return render(
        request,
        "evaluations/campagne.html",
        {
            "projet": projet,
            "campagne": campagne,
            "lignes": affichees,
            "nb_lignes": len(lignes),
            "filtre": filtre,
            "total": total,
            "a_evaluer": a_evaluer,
            "compte_rendu": _compte_des_evaluations(
                campagne, total.evaluees, a_evaluer, len(sans_evaluation)
            ),
            "axes_bilan": axes_bilan,
            "decisions": decisions(lignes),
            "sans_evaluation": sans_evaluation,
            "reunions": reunions,
            "historique": [
                {
                    "date": entree.history_date,
                    "auteur": nom_affiche(entree.history_user),
                    "nature": _nature(entree),
                }
                for entree in historique
            ],
            "peut_modifier": peut_modifier,
            "peut_preparer": ouverte and user.has_perm("evaluations.add_evaluation"),
            "peut_ajouter_action": ouverte and user.has_perm("actions.add_action"),
            "peut_reunion": ouverte and user.has_perm("evaluations.add_reunion"),
            "peut_modifier_reunion": ouverte and user.has_perm("evaluations.change_reunion"),
            "peut_rouvrir": campagne.est_close and user.has_perm("evaluations.delete_campagne"),
            "url_reunion": (
                f"{reverse('evaluations:reunion_creer')}?type={TypeReunion.BILAN_ANNUEL}"
                f"&campagne={campagne.pk}"
            ),
        },
    )


def _accord(nombre: int, mot: str) -> str:
    """« 0 évaluée », « 1 évaluée », « 2 évaluées »: in French 0 and 1 take the singular."""
    return f"{nombre} {mot}{'s' if nombre > 1 else ''}"


def _compte_des_evaluations(
    campagne: Campagne, evaluees: int, a_evaluer: int, non_preparees: int
) -> str:
    """The review's count in words: « 10 évaluées, 15 à évaluer, dont 3 non préparées. ».
    A prepared evaluation is an empty row made when the review opened; the actions created
    since have none (the page lists them, with the button that prepares them)."""
    if campagne.est_close:
        return f"{_accord(evaluees, 'évaluée')}, {_accord(a_evaluer, 'non évaluée')}."
    phrase = f"{_accord(evaluees, 'évaluée')}, {a_evaluer} à évaluer"
    if non_preparees and non_preparees == a_evaluer:
        phrase += ", aucune préparée" if a_evaluer > 1 else ", non préparée"
    elif non_preparees:
        phrase += f", dont {_accord(non_preparees, 'non préparée')}"
    return phrase + "."


def _nature(entree) -> str:
    if entree.history_change_reason:
        return entree.history_change_reason
    return {"+": "Création", "~": "Modification", "-": "Suppression"}[entree.history_type]


# --- Opening and preparing ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def ouvrir(request: HttpRequest) -> HttpResponse:
    """Open the campaign of a year, with an empty evaluation per action; or, with
    ``campagne=<pk>`` in the POST, prepare the evaluations an open campaign still lacks."""
    exiger(request.user, "evaluations.add_campagne")
    exiger(request.user, "evaluations.add_evaluation")
    projet = get_projet_courant(request)
    if request.method == "POST" and "campagne" in request.POST:
        return _preparer(request, request.POST["campagne"])
    form = CampagneOuvertureForm(request.POST or None, projet=projet)
    if request.method == "POST" and form.is_valid():
        try:
            campagne, nombre = ouvrir_campagne(projet, form.cleaned_data["annee"], request.user)
        except IntegrityError:
            # Another agent opened the same year in between.
            form.add_error("annee", ANNEE_DEJA_OUVERTE)
        else:
            messages.success(
                request,
                f"{campagne} ouvert : {nombre} évaluation{'s' if nombre > 1 else ''} "
                f"préparée{'s' if nombre > 1 else ''}.",
            )
            return redirect("evaluations:campagne", pk=campagne.pk)
    return render(
        request,
        "evaluations/campagne_ouvrir.html",
        {"projet": projet, "form": form},
    )


def _preparer(request: HttpRequest, valeur: str) -> HttpResponse:
    if not valeur.isdigit():
        raise Http404("Campagne inconnue.")
    with transaction.atomic():
        campagne = _get_campagne_du_projet(request, int(valeur), verrou=True)
        exiger_campagne_ouverte(campagne)
        nombre = campagne.preparer_evaluations(request.user)
    if nombre:
        messages.success(
            request,
            f"{campagne} : {nombre} évaluation{'s' if nombre > 1 else ''} "
            f"préparée{'s' if nombre > 1 else ''}.",
        )
    else:
        messages.info(request, f"{campagne} : aucune évaluation ne manquait.")
    return redirect("evaluations:campagne", pk=campagne.pk)


# --- Editing, closing, reopening ------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "evaluations.change_campagne")
    campagne = _get_campagne_du_projet(request, pk)
    exiger_campagne_ouverte(campagne)
    form = CampagneForm(request.POST if request.method == "POST" else None, instance=campagne)
    conflit = None
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            exiger_campagne_ouverte(_get_campagne_du_projet(request, pk, verrou=True))
            conflit = form.enregistrer()
        if conflit is None:
            messages.success(request, f"{campagne} enregistré.")
            return redirect("evaluations:campagne", pk=campagne.pk)
    return render(
        request,
        "evaluations/campagne_form.html",
        {"campagne": campagne, "form": form, "conflit": conflit},
        status=409 if conflit else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def clore(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "evaluations.change_campagne")
    campagne = _get_campagne_du_projet(request, pk)
    exiger_campagne_ouverte(campagne)
    if request.method == "POST":
        try:
            campagne.clore(request.user)
        except CampagneDejaClose:  # closed in between: refused, nothing changes
            exiger_campagne_ouverte(campagne.__class__.objects.get(pk=campagne.pk))
        messages.success(
            request,
            f"{campagne} clos : ses évaluations ne sont plus modifiables ; sa page et son "
            "dossier montrent désormais les fiches telles qu'elles sont à cet instant.",
        )
        return redirect("evaluations:campagne", pk=campagne.pk)
    lignes = lignes_du_bilan(campagne)
    return render(
        request,
        "evaluations/campagne_clore.html",
        {
            "campagne": campagne,
            "nb_a_evaluer": sum(1 for ligne in lignes if ligne.etat == Etat.A_EVALUER),
            "nb_evaluees": sum(1 for ligne in lignes if ligne.etat == Etat.EVALUEE),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def rouvrir(request: HttpRequest, pk: int) -> HttpResponse:
    """Administrators only (the delete permission of campaigns is theirs alone)."""
    exiger(request.user, "evaluations.delete_campagne")
    campagne = _get_campagne_du_projet(request, pk)
    if not campagne.est_close:
        messages.info(request, f"{campagne} est déjà ouvert : rien n'a changé.")
        return redirect("evaluations:campagne", pk=campagne.pk)
    if request.method == "POST":
        campagne.rouvrir(request.user)
        messages.success(
            request,
            f"{campagne} rouvert : ses évaluations sont de nouveau modifiables. La réouverture "
            "est inscrite dans l'historique du bilan.",
        )
        return redirect("evaluations:campagne", pk=campagne.pk)
    return render(request, "evaluations/campagne_rouvrir.html", {"campagne": campagne})


@require_http_methods(["GET", "HEAD", "POST"])
def action_nouvelle(request: HttpRequest, pk: int) -> HttpResponse:
    """An action decided at the réunion partenariale: the fiche form, linked to the campaign
    (its objective is chosen there)."""
    exiger(request.user, "actions.add_action")
    campagne = _get_campagne_du_projet(request, pk)
    exiger_campagne_ouverte(campagne)

    def lier_au_bilan(action) -> None:
        # In the saving transaction, under a lock on the campaign row: a review closed in
        # between refuses the fiche (403, nothing saved).
        exiger_campagne_ouverte(_get_campagne_du_projet(request, pk, verrou=True))
        ActionDecidee.objects.create(campagne=campagne, action=action)

    return creer_fiche(
        request,
        apres=lier_au_bilan,
        aide_objectif=(
            f"Action décidée lors de la réunion partenariale du {campagne} : elle y sera "
            "listée parmi les actions nouvelles. Choisissez son objectif."
        ),
    )
