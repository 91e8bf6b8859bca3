"""The fiche projet: reading it (every field and its history), creating and editing it with
its rows (optimistic locking: no lost update), moving, abandoning and deleting it."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from actions.forms.fiche import (
    FORMSETS,
    AbandonForm,
    ActionCreationForm,
    ActionForm,
    DeplacerForm,
)
from actions.historique import HISTORIQUE_MAX, LIBELLES_M2M, Historique
from actions.models import Action
from axes.models import Objectif, ProjetSocial
from projet_social.permissions import (
    exiger,
    exiger_lecture_action,
    exiger_modification_action,
    get_projet_courant,
)
from projet_social.versioning import ConflitDeVersion, a_la_version, decrire_conflit


def _get_action_du_projet(request: HttpRequest, pk: int, actions=None) -> Action:
    """The action ``pk`` of the current projet (404 for any other projet's action)."""
    actions = Action.objects.all() if actions is None else actions
    return get_object_or_404(actions.du_projet(get_projet_courant(request)), pk=pk)


# --- Reading the history -----------------------------------------------------------------


@require_safe
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what and when on the fiche and its rows, as field-level differences (the
    fiche page shows the last few entries and links here)."""
    action = _get_action_du_projet(request, pk, Action.objects.select_related("objectif__axe"))
    exiger_lecture_action(request.user, action)
    return render(
        request,
        "actions/fiche_historique.html",
        {
            "action": action,
            "historique": Historique(action).entrees(),
            "historique_max": HISTORIQUE_MAX,
        },
    )


# --- Creating and editing -----------------------------------------------------------------


def _formulaires(
    request: HttpRequest,
    action: Action,
    projet: ProjetSocial,
    data=None,
    initial: dict | None = None,
    aide_objectif: str = "",
) -> tuple[ActionForm, list]:
    """The fiche's form and its formsets (partners, budget, steps, indicators)."""
    if action._state.adding:
        form = ActionCreationForm(
            data, instance=action, projet=projet, initial=initial, aide_objectif=aide_objectif
        )
    else:
        form = ActionForm(data, instance=action, projet=projet, initial=initial)
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


def _enregistrer(request: HttpRequest, form, formsets, version: int, apres=None) -> Action:
    """One transaction: the fiche (conditional on ``version``) and all its rows, or nothing;
    ``apres(action)`` runs in the same transaction."""
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
        if apres is not None:
            apres(action)
    return action


# The sections of the form, in its order: (anchor, label) of its menu.
SECTIONS = (
    ("identification", "Identification"),
    ("constat", "Constat et objectifs"),
    ("partenaires", "Publics et partenaires"),
    ("budget", "Moyens et budget"),
    ("calendrier", "Calendrier et étapes"),
    ("indicateurs", "Indicateurs"),
    ("communication", "Communication et réseau"),
)


def _rendre_formulaire(request, action, form, formsets, *, conflit=None, status=200, valider=True):
    creation = action._state.adding
    return render(
        request,
        "actions/fiche_form.html",
        {
            "action": action,
            "form": form,
            "formsets": dict(zip([prefixe for prefixe, _ in FORMSETS], formsets, strict=True)),
            # The error summary lists them in the order of the page.
            "formsets_en_ordre": [formsets[i] for i in (0, 1, 2, 3)],
            "sections": SECTIONS,
            "creation": creation,
            "titre": "Nouvelle fiche action" if creation else f"Modifier la fiche {action.code}",
            "url_annuler": reverse(
                "actions:liste" if creation else "actions:detail",
                args=[] if creation else [action.pk],
            ),
            "conflit": conflit,
            "erreurs": valider and form.is_bound and not _valides(form, formsets),
        },
        status=status,
    )


def _ligne_ajoutee(request, action, projet, aide_objectif: str = "") -> HttpResponse | None:
    """« Ajouter » without JavaScript submits the form (``ajouter_ligne=<prefix>``): show it
    again with the input kept and one more row in that table, focused; nothing is saved or
    validated (no error shown for a form still being typed). None for an ordinary POST."""
    prefixe = request.POST.get("ajouter_ligne", "")
    if prefixe not in {p for p, _ in FORMSETS}:
        return None
    donnees = request.POST.copy()
    cle = f"{prefixe}-TOTAL_FORMS"
    donnees[cle] = str(int(donnees.get(cle) or 0) + 1) if donnees.get(cle, "").isdigit() else "1"
    form, formsets = _formulaires(
        request, action, projet, data=donnees, aide_objectif=aide_objectif
    )
    _sans_erreurs(form)
    for formset in formsets:
        formset._non_form_errors = formset.error_class()
        formset._errors = []
        for ligne in formset.forms:
            _sans_erreurs(ligne)
        if formset.prefix == prefixe and formset.forms:
            nouvelle = formset.forms[-1]
            # It starts as the row « Ajouter » copies with JavaScript: its initial values.
            for nom, champ in nouvelle.fields.items():
                valeur = nouvelle.get_initial_for_field(champ, nom)
                if valeur not in (None, "", False) and nouvelle.add_prefix(nom) not in donnees:
                    donnees[nouvelle.add_prefix(nom)] = str(valeur)
            premier = next(iter(nouvelle.visible_fields()), None)
            if premier is not None:
                premier.field.widget.attrs["autofocus"] = True
    return _rendre_formulaire(request, action, form, formsets, valider=False)


def _sans_erreurs(form) -> None:
    """Render a bound form as typed, without validating it."""
    form._errors = ErrorDict()


def _objectif_demande(request: HttpRequest, projet: ProjetSocial) -> Objectif | None:
    """The objective named by ?objectif=<pk>, if it belongs to the projet."""
    valeur = request.GET.get("objectif", "")
    if not valeur.isdigit():
        return None
    return Objectif.objects.du_projet(projet).select_related("axe").filter(pk=valeur).first()


@require_http_methods(["GET", "HEAD", "POST"])
def creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "actions.add_action")
    return creer_fiche(request)


def creer_fiche(request: HttpRequest, *, apres=None, aide_objectif: str = "") -> HttpResponse:
    """The creation of a fiche, from its form to its page. ``apres(action)`` runs in the
    saving transaction (the reviews link an action their meeting decided); ``aide_objectif``
    says so on the form. The caller checks the permissions."""
    projet = get_projet_courant(request)
    action = Action()
    if request.method == "POST":
        if reponse := _ligne_ajoutee(request, action, projet, aide_objectif):
            return reponse
        form, formsets = _formulaires(
            request, action, projet, data=request.POST, aide_objectif=aide_objectif
        )
        if _valides(form, formsets):
            try:
                action = _enregistrer(request, form, formsets, version=1, apres=apres)
            except IntegrityError:
                # A concurrent save took the number (or a partner's name) in between.
                form.add_error(
                    None,
                    "L'enregistrement a échoué : une autre saisie a pris ce numéro ou ce nom de "
                    "partenaire entre-temps. Vérifiez puis enregistrez à nouveau.",
                )
                action = Action()
            else:
                messages.success(request, "Fiche enregistrée.")
                return redirect("actions:detail", pk=action.pk)
        return _rendre_formulaire(request, action, form, formsets)
    initial = {}
    objectif = _objectif_demande(request, projet)
    if objectif is not None:
        initial = {"objectif": objectif.pk, "numero": objectif.prochain_numero_action()}
    form, formsets = _formulaires(
        request, action, projet, initial=initial, aide_objectif=aide_objectif
    )
    return _rendre_formulaire(request, action, form, formsets)


@require_http_methods(["GET", "HEAD", "POST"])
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    projet = get_projet_courant(request)
    action = _get_action_du_projet(request, pk, Action.objects.pour_formulaire())
    exiger_modification_action(request.user, action)
    if request.method != "POST":
        form, formsets = _formulaires(request, action, projet)
        return _rendre_formulaire(request, action, form, formsets)
    if reponse := _ligne_ajoutee(request, action, projet):
        return reponse

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
    action = _get_action_du_projet(request, pk, Action.objects.pour_formulaire())
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
    action = _get_action_du_projet(request, pk, Action.objects.select_related("objectif__axe"))
    ancien_code = action.code
    donnees = request.POST if request.method == "POST" else None
    form = DeplacerForm(donnees, action=action, projet=projet)
    if form.is_bound and form.is_valid():
        try:
            action.deplacer(
                form.cleaned_data["objectif"], form.cleaned_data["numero"], request.user
            )
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
        action = _get_action_du_projet(request, pk, Action.objects.select_related("objectif__axe"))
    return render(request, "actions/fiche_deplacer.html", {"action": action, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def abandonner(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive the action: statut « abandonnée » with its reason; it stays in the history."""
    action = _get_action_du_projet(request, pk, Action.objects.select_related("objectif__axe"))
    exiger_modification_action(request.user, action)
    if request.method == "POST":
        form = AbandonForm(request.POST)
        if form.is_valid():
            try:
                action.abandonner(form.cleaned_data["motif_abandon"], request.user)
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
    action = _get_action_du_projet(request, pk, Action.objects.select_related("objectif__axe"))
    if request.method == "POST":
        code, intitule = action.code, action.intitule
        try:
            with transaction.atomic():
                action.delete()
        except (ProtectedError, RestrictedError) as refus:
            # A closed review lists it (see evaluations.models.cascade_sauf_bilan_clos).
            messages.error(request, refus.args[0])
            return redirect("actions:detail", pk=action.pk)
        messages.success(request, f"Fiche {code} « {intitule} » supprimée.")
        return redirect("actions:liste")
    return render(
        request,
        "actions/fiche_supprimer.html",
        {"action": action, "nb_evaluations": action.evaluations.count()},
    )
