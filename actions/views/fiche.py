"""The fiche projet: reading it (every field and its history), creating and editing it with
its rows (optimistic locking: no lost update), moving, abandoning and deleting it."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from actions.enums import StatutAction
from actions.forms.fiche import (
    FORMSETS,
    AbandonForm,
    ActionCreationForm,
    ActionForm,
    DeplacerForm,
    prochain_numero,
)
from actions.historique import HISTORIQUE_MAX, LIBELLES_M2M, Historique
from actions.models import Action
from axes.models import Objectif, ProjetSocial
from evaluations.models import Campagne
from projet_social.permissions import (
    exiger,
    exiger_campagne_ouverte,
    exiger_modification_action,
    get_projet_courant,
    peut_evaluer_action,
    peut_modifier_action,
)
from projet_social.versioning import ConflitDeVersion, a_la_version, decrire_conflit


def _get_action_for_user(request: HttpRequest, pk: int, actions=None) -> Action:
    """The action ``pk`` of the current projet (404 for any other projet's action)."""
    actions = Action.objects.all() if actions is None else actions
    return get_object_or_404(actions.du_projet(get_projet_courant(request)), pk=pk)


# --- Reading ------------------------------------------------------------------------------


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_action_for_user(request, pk, Action.objects.pour_fiche())
    user = request.user
    if not (user.has_perm("actions.view_action") or peut_modifier_action(user, action)):
        raise PermissionDenied  # a pilote outside the groups still reads the fiche they edit
    indicateurs = list(action.indicateurs.all())
    for indicateur in indicateurs:
        indicateur.atteinte = _atteinte(indicateur.derniere_valeur, indicateur.valeur_cible)
    evaluations = list(action.evaluations.all())
    precedente, suivante = _voisines(action)
    return render(
        request,
        "actions/fiche.html",
        {
            "action": action,
            "indicateurs": indicateurs,
            "evaluations": evaluations,
            "indicateurs_par_annee": _indicateurs_par_annee(indicateurs, evaluations),
            "bilans_ouverts": _bilans_ouverts(user, action, evaluations),
            "budget": _budget_par_annee(action.lignes_budget.all()),
            "precedente": precedente,
            "suivante": suivante,
            "historique": Historique(action).entrees(),
            "historique_max": HISTORIQUE_MAX,
            "peut_modifier": peut_modifier_action(user, action),
            "peut_deplacer": user.has_perm("actions.change_action"),
            "peut_supprimer": user.has_perm("actions.delete_action"),
        },
    )


def _atteinte(valeur: Decimal | None, cible: Decimal | None) -> Decimal | None:
    """valeur réalisée / valeur cible in percent; None without a value or a positive target."""
    if valeur is None or not cible:
        return None
    return (valeur / cible * 100).quantize(Decimal("1"))


def _indicateurs_par_annee(indicateurs: list, evaluations: list) -> dict:
    """Indicators × campaigns of the action's evaluations (oldest first): the value measured
    each year, from the mesures prefetched by ``pour_fiche()`` (no query)."""
    campagnes = sorted(
        {evaluation.campagne_id: evaluation.campagne for evaluation in evaluations}.values(),
        key=lambda campagne: (campagne.annee, campagne.pk),
    )
    lignes = []
    for indicateur in indicateurs:
        mesures = indicateur.mesures.all()
        par_campagne = {mesure.evaluation.campagne_id: mesure for mesure in mesures}
        lignes.append(
            {"indicateur": indicateur, "mesures": [par_campagne.get(c.pk) for c in campagnes]}
        )
    return {"campagnes": campagnes, "lignes": lignes}


def _bilans_ouverts(user, action: Action, evaluations: list) -> list[tuple]:
    """(campaign, the action's evaluation in it or None) for each open campaign of the projet,
    when the user may evaluate the action (one query); nothing for the others."""
    if not peut_evaluer_action(user, action):
        return []
    par_campagne = {evaluation.campagne_id: evaluation for evaluation in evaluations}
    ouvertes = Campagne.objects.du_projet(action.objectif.axe.projet_id).ouvertes()
    return [(campagne, par_campagne.get(campagne.pk)) for campagne in ouvertes.order_by("annee")]


def _budget_par_annee(lignes) -> dict:
    """Budget lines grouped by year with the totals of each year and of the whole fiche."""
    annees = []
    par_annee = defaultdict(list)
    for ligne in lignes:
        par_annee[ligne.annee].append(ligne)
    for annee in sorted(par_annee):
        lignes_annee = par_annee[annee]
        annees.append(
            {
                "annee": annee,
                "lignes": lignes_annee,
                "prevu": sum((ligne.montant_prevu for ligne in lignes_annee), Decimal(0)),
                "realise": _somme_realise(lignes_annee),
            }
        )
    toutes = [ligne for annee in annees for ligne in annee["lignes"]]
    return {
        "annees": annees,
        "prevu": sum((annee["prevu"] for annee in annees), Decimal(0)),
        "realise": _somme_realise(toutes),
    }


def _somme_realise(lignes) -> Decimal | None:
    """Sum of the realised amounts; None when no line has one yet (shown "—", not "0")."""
    montants = [ligne.montant_realise for ligne in lignes if ligne.montant_realise is not None]
    return sum(montants, Decimal(0)) if montants else None


def _voisines(action: Action) -> tuple[Action | None, Action | None]:
    """The previous and next fiches of the projet in code order (two small queries)."""
    axe, objectif, numero = action.objectif.axe.numero, action.objectif.numero, action.numero
    avant = (
        Q(objectif__axe__numero__lt=axe)
        | Q(objectif__axe__numero=axe, objectif__numero__lt=objectif)
        | Q(objectif__axe__numero=axe, objectif__numero=objectif, numero__lt=numero)
    )
    apres = (
        Q(objectif__axe__numero__gt=axe)
        | Q(objectif__axe__numero=axe, objectif__numero__gt=objectif)
        | Q(objectif__axe__numero=axe, objectif__numero=objectif, numero__gt=numero)
    )
    voisines = (
        Action.objects.du_projet(action.objectif.axe.projet_id)
        .select_related("objectif__axe")
        .only("intitule", "numero", "objectif__numero", "objectif__axe__numero")
    )
    ordre = ["objectif__axe__numero", "objectif__numero", "numero", "pk"]
    precedente = voisines.filter(avant).order_by(*[f"-{cle}" for cle in ordre]).first()
    suivante = voisines.filter(apres).order_by(*ordre).first()
    return precedente, suivante


# --- Creating and editing -----------------------------------------------------------------


def _formulaires(
    request: HttpRequest,
    action: Action,
    projet: ProjetSocial,
    data=None,
    initial: dict | None = None,
) -> tuple[ActionForm, list]:
    """The fiche's form and its formsets (partners, budget, steps, indicators)."""
    classe = ActionCreationForm if action._state.adding else ActionForm
    form = classe(data, instance=action, projet=projet, initial=initial)
    peut_creer_partenaire = request.user.has_perm("actions.add_partenaire")
    formsets = []
    for prefixe, classe_formset in FORMSETS:
        options = {}
        if prefixe == "partenaires":
            options["form_kwargs"] = {"peut_creer_partenaire": peut_creer_partenaire}
        formsets.append(classe_formset(data, instance=action, prefix=prefixe, **options))
    return form, formsets


def _valides(form, formsets) -> bool:
    """Validate everything (no short circuit), so every error shows at once."""
    resultats = [form.is_valid()] + [formset.is_valid() for formset in formsets]
    return all(resultats)


def _enregistrer(request: HttpRequest, form, formsets, version: int) -> Action:
    """One transaction: the fiche (conditional on ``version``) and all its rows, or nothing."""
    with transaction.atomic():
        action = form.save(commit=False)
        if action._state.adding:
            action.created_by = request.user
        action.updated_by = request.user
        action.save_versioned(version)
        form.save_m2m()
        for formset in formsets:
            formset.instance = action
            formset.save()
    return action


def _rendre_formulaire(request, action, form, formsets, *, conflit=None, status=200):
    creation = action._state.adding
    return render(
        request,
        "actions/fiche_form.html",
        {
            "action": action,
            "form": form,
            "formsets": dict(zip([prefixe for prefixe, _ in FORMSETS], formsets, strict=True)),
            "creation": creation,
            "titre": "Nouvelle fiche action" if creation else f"Modifier la fiche {action.code}",
            "conflit": conflit,
            "erreurs": form.is_bound and not _valides(form, formsets),
        },
        status=status,
    )


def _objectif_demande(request: HttpRequest, projet: ProjetSocial) -> Objectif | None:
    """The objective named by ?objectif=<pk>, if it belongs to the projet."""
    valeur = request.GET.get("objectif", "")
    if not valeur.isdigit():
        return None
    return Objectif.objects.du_projet(projet).select_related("axe").filter(pk=valeur).first()


def _campagne_demandee(request: HttpRequest, projet: ProjetSocial) -> Campagne | None:
    """The campaign named by ?campagne=<pk> (an action decided at its réunion partenariale):
    404 unless it is one of the projet's, 403 once it is closed (GET and POST alike: the form
    posts to its own URL, query string included)."""
    valeur = request.GET.get("campagne")
    if valeur is None:
        return None
    if not valeur.isdigit():
        raise Http404("Campagne inconnue.")
    campagne = get_object_or_404(Campagne.objects.du_projet(projet), pk=valeur)
    exiger_campagne_ouverte(campagne)
    return campagne


@require_http_methods(["GET", "HEAD", "POST"])
def creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "actions.add_action")
    projet = get_projet_courant(request)
    action = Action(campagne_origine=_campagne_demandee(request, projet))
    if request.method == "POST":
        form, formsets = _formulaires(request, action, projet, data=request.POST)
        if _valides(form, formsets):
            try:
                action = _enregistrer(request, form, formsets, version=1)
            except IntegrityError:
                # A concurrent save took the number (or a partner's name) in between.
                form.add_error(
                    None,
                    "L'enregistrement a échoué : une autre saisie a pris ce numéro ou ce nom de "
                    "partenaire entre-temps. Vérifiez puis enregistrez à nouveau.",
                )
                action = Action(campagne_origine=action.campagne_origine)
            else:
                messages.success(request, "Fiche enregistrée.")
                return redirect("actions:detail", pk=action.pk)
        return _rendre_formulaire(request, action, form, formsets)
    initial = {}
    objectif = _objectif_demande(request, projet)
    if objectif is not None:
        initial = {"objectif": objectif.pk, "numero": prochain_numero(objectif)}
    form, formsets = _formulaires(request, action, projet, initial=initial)
    return _rendre_formulaire(request, action, form, formsets)


@require_http_methods(["GET", "HEAD", "POST"])
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    projet = get_projet_courant(request)
    action = _get_action_for_user(request, pk, Action.objects.pour_formulaire())
    exiger_modification_action(request.user, action)
    if request.method != "POST":
        form, formsets = _formulaires(request, action, projet)
        return _rendre_formulaire(request, action, form, formsets)

    form, formsets = _formulaires(request, action, projet, data=request.POST)
    if not _valides(form, formsets):
        return _rendre_formulaire(request, action, form, formsets)
    version_ouverte = form.version_ouverte
    try:
        _enregistrer(request, form, formsets, version=version_ouverte)
    except ConflitDeVersion:
        return _refuser_conflit(request, pk, projet, version_ouverte, form.cleaned_data)
    except IntegrityError:
        form.add_error(
            None,
            "L'enregistrement a échoué : une autre saisie est intervenue en même temps. "
            "Vos saisies sont conservées ; enregistrez à nouveau.",
        )
        return _rendre_formulaire(request, action, form, formsets)
    messages.success(request, "Fiche enregistrée.")
    return redirect("actions:detail", pk=pk)


def _refuser_conflit(
    request, pk: int, projet: ProjetSocial, version_ouverte: int, saisie: dict
) -> HttpResponse:
    """Someone saved since the form was opened: nothing was saved (the transaction rolled
    back). Show the user's input again, bound to the current version (saving again overwrites
    knowingly), with what changed: the fiche's fields, then its rows."""
    action = _get_action_for_user(request, pk, Action.objects.pour_formulaire())
    exiger_modification_action(request.user, action)
    form, formsets = _formulaires(
        request, action, projet, data=a_la_version(request.POST, action.version)
    )
    conflit = decrire_conflit(action, version_ouverte, saisie=saisie, libelles=LIBELLES_M2M)
    if conflit.depuis is not None:
        conflit.lignes = Historique(action, depuis=conflit.depuis).entrees()
    return _rendre_formulaire(request, action, form, formsets, conflit=conflit, status=409)


# --- Moving, abandoning, deleting -----------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def deplacer(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the fiche to another objective of the projet (its code changes)."""
    exiger(request.user, "actions.change_action")
    projet = get_projet_courant(request)
    action = _get_action_for_user(request, pk, Action.objects.select_related("objectif__axe"))
    ancien_code = action.code
    donnees = request.POST if request.method == "POST" else None
    form = DeplacerForm(donnees, action=action, projet=projet)
    if form.is_bound and form.is_valid():
        action.objectif = form.cleaned_data["objectif"]
        action.numero = form.cleaned_data["numero"]
        action.updated_by = request.user
        try:
            with transaction.atomic():
                action.save_versioned(action.version)
        except IntegrityError:
            form.add_error("numero", "Ce numéro vient d'être pris : choisissez-en un autre.")
        except ConflitDeVersion:
            form.add_error(
                None, "La fiche vient d'être modifiée par quelqu'un d'autre : réessayez."
            )
        else:
            messages.success(
                request, f"Fiche déplacée : l'action {ancien_code} devient l'action {action.code}."
            )
            return redirect("actions:detail", pk=action.pk)
        action = _get_action_for_user(request, pk, Action.objects.select_related("objectif__axe"))
    return render(request, "actions/fiche_deplacer.html", {"action": action, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def abandonner(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive the action: statut « abandonnée » with its reason; it stays in the history."""
    action = _get_action_for_user(request, pk, Action.objects.select_related("objectif__axe"))
    exiger_modification_action(request.user, action)
    if request.method == "POST":
        form = AbandonForm(request.POST)
        if form.is_valid():
            action.statut = StatutAction.ABANDONNEE
            action.motif_abandon = form.cleaned_data["motif_abandon"].strip()
            action.updated_by = request.user
            try:
                action.save_versioned(action.version)
            except ConflitDeVersion:
                form.add_error(
                    None, "La fiche vient d'être modifiée par quelqu'un d'autre : réessayez."
                )
            else:
                messages.success(
                    request,
                    "Action abandonnée : elle reste visible dans le plan, l'historique et les "
                    "bilans, hors du calcul de l'avancement.",
                )
                return redirect("actions:detail", pk=action.pk)
    else:
        form = AbandonForm(initial={"motif_abandon": action.motif_abandon})
    return render(request, "actions/fiche_abandonner.html", {"action": action, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete the fiche and everything hanging from it; administrators only, after a
    confirmation page that says how many evaluations go with it."""
    exiger(request.user, "actions.delete_action")
    action = _get_action_for_user(request, pk, Action.objects.select_related("objectif__axe"))
    if request.method == "POST":
        code, intitule = action.code, action.intitule
        with transaction.atomic():
            action.delete()
        messages.success(request, f"Fiche {code} « {intitule} » supprimée.")
        return redirect("actions:liste")
    return render(
        request,
        "actions/fiche_supprimer.html",
        {"action": action, "nb_evaluations": action.evaluations.count()},
    )
