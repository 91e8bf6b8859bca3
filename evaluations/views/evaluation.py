"""The evaluation of one action in a yearly review (bilan annuel): the form an agent or the
action's pilote fills in, action after action, with the previous evaluation and last year's
indicator values beside it. Saving may carry a new statut or échéance over to the fiche.
Optimistic locking as for the fiche (no lost update); read-only once the campaign is closed."""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from actions.enums import StatutAction
from actions.models import ORDRE_CODE, Action, Indicateur, Voisine
from evaluations.forms.evaluation import EvaluationForm, MesureFormSet
from evaluations.models import Campagne, Evaluation, Mesure, a_evaluer
from projet_social.permissions import (
    exiger_campagne_ouverte,
    get_projet_courant,
    peut_evaluer_action,
)
from projet_social.versioning import (
    Changement,
    Conflit,
    ConflitDeVersion,
    a_la_version,
    decrire_conflit,
    valeur_lisible,
)

# The fields of an evaluation an agent types, in the order of the form (conflict diffs).
CHAMPS_SAISIS = EvaluationForm._meta.fields
CHAMPS_MESURE = ["valeur_realisee", "commentaire"]


def _get_campagne_du_projet(request: HttpRequest, pk: int) -> Campagne:
    """The campaign ``pk`` of the current projet (404 for any other projet's campaign)."""
    return get_object_or_404(Campagne.objects.du_projet(get_projet_courant(request)), pk=pk)


def _get_action_du_projet(request: HttpRequest, pk: int) -> Action:
    """The action ``pk`` of the current projet, hence of the campaign's projet (404 else)."""
    actions = Action.objects.du_projet(get_projet_courant(request))
    return get_object_or_404(actions.select_related("objectif__axe", "pilote"), pk=pk)


def _peut_saisir(user: AbstractBaseUser, action: Action, evaluation: Evaluation) -> bool:
    """Agents and the action's pilote evaluate; creating the row also needs the right to add
    evaluations, which the pilote has for their own action."""
    if not peut_evaluer_action(user, action):
        return False
    return (
        not evaluation._state.adding
        or user.has_perm("evaluations.add_evaluation")
        or action.pilote_id == user.pk
    )


# --- What the page reads ----------------------------------------------------------------------


@dataclass
class Saisie:
    """The evaluation of an action in a campaign and what is shown beside it."""

    campagne: Campagne
    action: Action
    evaluation: Evaluation  # saved, or new (the action has none in the campaign yet)
    precedente: Evaluation | None  # the action's latest evaluation in an earlier campaign
    indicateurs: list[Indicateur]
    mesures: list[Mesure]  # one per indicator, in the order of ``indicateurs``
    mesures_precedentes: dict[int, Mesure] = field(default_factory=dict)  # by indicator

    def lignes(self, formset=None) -> list[dict]:
        """One row per indicator for the template: the indicator, this year's mesure (and
        its form), last year's mesure."""
        forms = formset.forms if formset is not None else [None] * len(self.mesures)
        return [
            {
                "indicateur": indicateur,
                "mesure": mesure,
                "form": form,
                "precedente": self.mesures_precedentes.get(indicateur.pk),
            }
            for indicateur, mesure, form in zip(self.indicateurs, self.mesures, forms, strict=True)
        ]


def _charger(campagne: Campagne, action: Action) -> Saisie:
    """Three queries whatever the number of indicators and of past campaigns: the indicators,
    this year's and the previous evaluation, and their mesures."""
    indicateurs = list(action.indicateurs.order_by("pk"))
    par_pk = {indicateur.pk: indicateur for indicateur in indicateurs}
    evaluations = list(Evaluation.objects.pour_formulaire(action, campagne)[:2])
    evaluation = next((e for e in evaluations if e.campagne_id == campagne.pk), None)
    precedente = next((e for e in evaluations if e.campagne_id != campagne.pk), None)
    for autre in evaluations:
        autre.action = action
        for mesure in autre.mesures.all():
            if mesure.indicateur_id in par_pk:
                mesure.indicateur = par_pk[mesure.indicateur_id]
    existantes = {}
    if evaluation is None:
        evaluation = Evaluation(campagne=campagne, action=action)
    else:
        evaluation.campagne = campagne
        existantes = {mesure.indicateur_id: mesure for mesure in evaluation.mesures.all()}
    mesures = [
        existantes.get(indicateur.pk) or Mesure(evaluation=evaluation, indicateur=indicateur)
        for indicateur in indicateurs
    ]
    precedentes = {}
    if precedente is not None:
        precedentes = {mesure.indicateur_id: mesure for mesure in precedente.mesures.all()}
    return Saisie(campagne, action, evaluation, precedente, indicateurs, mesures, precedentes)


@dataclass
class Navigation:
    """The neighbours of the action in the campaign, in code order, and the next action
    still to evaluate."""

    precedente: Voisine | None = None
    suivante: Voisine | None = None
    a_evaluer: Action | None = None


def _navigation(campagne: Campagne, action: Action) -> Navigation:
    """The previous and next fiches (as on the fiche page, kept by the process) and the next
    action still to evaluate (one query)."""
    precedente, suivante = Action.objects.voisines(action)
    return Navigation(precedente, suivante, _prochaine_a_evaluer(campagne, action))


def _prochaine_a_evaluer(campagne: Campagne, action: Action) -> Action | None:
    """The next action still to evaluate in code order after this one, then from the start:
    not evaluated in the campaign and not abandoned (the campaign page's « à évaluer »)."""
    restantes = list(
        a_evaluer(Action.objects.du_projet(campagne.projet_id).exclude(pk=action.pk), campagne)
        .select_related("objectif__axe")
        .only("intitule", "numero", "statut", "objectif__numero", "objectif__axe__numero")
        .order_by(*ORDRE_CODE)
    )
    ici = (action.objectif.axe.numero, action.objectif.numero, action.numero, action.pk)
    apres = [
        a for a in restantes if (a.objectif.axe.numero, a.objectif.numero, a.numero, a.pk) > ici
    ]
    return (apres or restantes or [None])[0]


@dataclass
class FicheFigee:
    """The fiche as a closed review's row recorded it (its header on the evaluation page)."""

    intitule: str
    statut: str
    echeance: datetime.date | None

    def get_statut_display(self) -> str:
        return StatutAction(self.statut).label


def _fiche_du_bilan(campagne: Campagne, action: Action, evaluation: Evaluation):
    """A closed review shows the fiche as its row recorded it at the closing; an open one,
    the fiche of today."""
    if not campagne.est_close or evaluation._state.adding:
        return action
    return FicheFigee(
        intitule=evaluation.intitule_action,
        statut=evaluation.statut_fiche,
        echeance=evaluation.echeance_fiche,
    )


def _formulaires(saisie: Saisie, data=None) -> tuple[EvaluationForm, MesureFormSet]:
    form = EvaluationForm(data, instance=saisie.evaluation, action=saisie.action)
    formset = MesureFormSet(data, mesures=saisie.mesures, prefix="mesures")
    return form, formset


def _valides(form: EvaluationForm, formset: MesureFormSet) -> bool:
    """Validate both (no short circuit), so every error shows at once."""
    return all([form.is_valid(), formset.is_valid()])


def _enregistrer(request: HttpRequest, saisie: Saisie, form, formset) -> Evaluation:
    """One transaction: the evaluation (conditional on the version opened), its mesures
    (created or updated in bulk, with their history) and the fiche it updates, or nothing."""
    action, user = saisie.action, request.user
    with transaction.atomic():
        # Under a lock on the campaign row, as its closing: a save racing the closing waits
        # for it, then is refused; it never lands after ``closed_at``.
        exiger_campagne_ouverte(Campagne.objects.select_for_update().get(pk=saisie.campagne.pk))
        evaluation = form.save(commit=False)
        evaluation.auteur = user
        evaluation.save_versioned(form.version_ouverte)
        nouvelles, modifiees = formset.a_enregistrer()
        for mesure in nouvelles:
            mesure.evaluation = evaluation
        bulk_create_with_history(nouvelles, Mesure, default_user=user)
        bulk_update_with_history(modifiees, Mesure, CHAMPS_MESURE, default_user=user)
        modifications = form.modifications_de_la_fiche()
        if modifications:
            for nom, valeur in modifications.items():
                setattr(action, nom, valeur)
            action.updated_by = user
            action._change_reason = evaluation.raison_pour_la_fiche
            action.save_versioned(action.version)
    return evaluation


def _donner_le_focus(form, formset, erreurs: bool) -> None:
    """Focus the first field: the agent types at once. A refused form gives the focus to its
    error summary instead (static/js/formulaire.js), whose links lead to each invalid field."""
    if not erreurs:
        form["statut"].field.widget.attrs["autofocus"] = True


def _rendre(
    request: HttpRequest,
    saisie: Saisie,
    navigation: Navigation,
    form=None,
    formset=None,
    *,
    conflit=None,
    status: int = 200,
) -> HttpResponse:
    erreurs = form is not None and form.is_bound and not _valides(form, formset)
    if form is not None:
        _donner_le_focus(form, formset, erreurs)
    evaluation = saisie.evaluation
    return render(
        request,
        "evaluations/evaluation.html",
        {
            "campagne": saisie.campagne,
            "action": saisie.action,
            "fiche": _fiche_du_bilan(saisie.campagne, saisie.action, evaluation),
            "evaluation": None if evaluation._state.adding else evaluation,
            "precedente": saisie.precedente,
            "lignes": saisie.lignes(formset),
            "navigation": navigation,
            "form": form,
            "formset": formset,
            "conflit": conflit,
            "erreurs": erreurs,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def evaluer(request: HttpRequest, campagne_pk: int, action_pk: int) -> HttpResponse:
    campagne = _get_campagne_du_projet(request, campagne_pk)
    action = _get_action_du_projet(request, action_pk)
    user = request.user
    peut_evaluer = peut_evaluer_action(user, action)
    if request.method == "POST":
        exiger_campagne_ouverte(campagne)  # a closed campaign is frozen, forged POST included
        if not peut_evaluer:
            raise PermissionDenied
    elif not (peut_evaluer or user.has_perm("evaluations.view_evaluation")):
        raise PermissionDenied
    saisie = _charger(campagne, action)
    modifiable = not campagne.est_close and _peut_saisir(user, action, saisie.evaluation)

    if request.method != "POST":
        form, formset = _formulaires(saisie) if modifiable else (None, None)
        return _rendre(request, saisie, _navigation(campagne, action), form, formset)

    if not modifiable:
        raise PermissionDenied
    form, formset = _formulaires(saisie, data=request.POST)
    if not _valides(form, formset):
        return _rendre(request, saisie, _navigation(campagne, action), form, formset)
    version_ouverte = form.version_ouverte
    creation = saisie.evaluation._state.adding
    entree = form.cleaned_data
    try:
        _enregistrer(request, saisie, form, formset)
    except ConflitDeVersion as erreur:
        if isinstance(erreur.instance, Action):
            return _refuser(request, campagne, action_pk, entree, fiche_modifiee=True)
        return _refuser(request, campagne, action_pk, entree, version_ouverte=version_ouverte)
    except IntegrityError:
        # Two agents created the first evaluation of the action at once: the unique
        # constraint refused the second one (its savepoint rolled back, nothing is kept).
        return _refuser(
            request,
            campagne,
            action_pk,
            entree,
            version_ouverte=version_ouverte if creation else None,
        )
    messages.success(request, _message_enregistree(campagne, action))
    if request.POST.get("apres") != "suivante":
        return redirect("evaluations:evaluer", campagne_pk=campagne.pk, action_pk=action.pk)
    suivante = _prochaine_a_evaluer(campagne, action)
    if suivante is None:
        return redirect("evaluations:campagne", pk=campagne.pk)
    return redirect("evaluations:evaluer", campagne_pk=campagne.pk, action_pk=suivante.pk)


def _message_enregistree(campagne: Campagne, action: Action) -> str:
    """Which evaluation was saved, and how many actions the review still has to evaluate
    (the review page's « à évaluer », one query)."""
    restantes = a_evaluer(Action.objects.du_projet(campagne.projet_id), campagne).count()
    if restantes == 0:
        reste = f"Toutes les actions du {campagne} sont évaluées."
    else:
        reste = f"Il reste {restantes} action{pluralize(restantes)} à évaluer."
    return f"Évaluation de {action.code} « {action.intitule} » enregistrée. {reste}"


def _refuser(
    request: HttpRequest,
    campagne: Campagne,
    action_pk: int,
    entree: dict,
    *,
    version_ouverte: int | None = None,
    fiche_modifiee: bool = False,
) -> HttpResponse:
    """Nothing was saved (the transaction rolled back). Show the user's input again, bound to
    the evaluation as it is now: with who saved it in between, when, and what they changed
    (HTTP 409); or with a message when the cause is elsewhere."""
    action = _get_action_du_projet(request, action_pk)  # as saved, not as this request left it
    saisie = _charger(campagne, action)
    evaluation = saisie.evaluation
    version = 0 if evaluation._state.adding else evaluation.version
    form, formset = _formulaires(saisie, data=a_la_version(request.POST, version))
    conflit = None
    if fiche_modifiee:
        form.add_error(
            None,
            "La fiche action vient d'être modifiée par quelqu'un d'autre : rien n'a été "
            "enregistré. Vos saisies sont conservées ; enregistrez à nouveau.",
        )
    elif version_ouverte is not None and not evaluation._state.adding:
        conflit = _decrire_conflit(saisie, version_ouverte, entree)
    else:
        form.add_error(
            None,
            "L'enregistrement a échoué : une autre saisie est intervenue en même temps. "
            "Vos saisies sont conservées ; enregistrez à nouveau.",
        )
    status = 409 if conflit is not None or fiche_modifiee else 200
    return _rendre(
        request,
        saisie,
        _navigation(campagne, action),
        form,
        formset,
        conflit=conflit,
        status=status,
    )


# --- Conflicts ----------------------------------------------------------------------------


def _decrire_conflit(saisie: Saisie, version_ouverte: int, entree: dict) -> Conflit:
    """The evaluation's fields as for every versioned object, then the indicator values: as
    they were when the first later version was saved, and now (one query)."""
    evaluation = saisie.evaluation
    conflit = decrire_conflit(evaluation, version_ouverte, champs=CHAMPS_SAISIS, saisie=entree)
    if version_ouverte == 0:
        conflit.precision = str(
            next(
                c
                for c in Evaluation._meta.constraints
                if c.name == "evaluations_evaluation_unique_par_campagne"
            ).violation_error_message
        )
    if conflit.depuis is None:
        return conflit
    valeurs = Mesure.history.filter(evaluation_id=evaluation.pk).order_by(
        "history_date", "history_id"
    )
    avant, maintenant = {}, {}
    for valeur in valeurs:
        if valeur.history_date < conflit.depuis:
            avant[valeur.id] = valeur
        maintenant[valeur.id] = valeur
    libelles = {indicateur.pk: indicateur.libelle for indicateur in saisie.indicateurs}
    for mesure_id, nouvelle in maintenant.items():
        ancienne = avant.get(mesure_id)
        for nom in CHAMPS_MESURE:
            champ = Mesure._meta.get_field(nom)
            valeur_avant = getattr(ancienne, nom) if ancienne is not None else None
            valeur_apres = getattr(nouvelle, nom)
            if valeur_avant in (None, "") and valeur_apres in (None, ""):
                continue
            if valeur_avant == valeur_apres:
                continue
            libelle = libelles.get(nouvelle.indicateur_id, "indicateur supprimé")
            conflit.changements.append(
                Changement(
                    f"« {libelle} » : {champ.verbose_name}",
                    valeur_lisible(champ, valeur_avant),
                    valeur_lisible(champ, valeur_apres),
                )
            )
    return conflit
