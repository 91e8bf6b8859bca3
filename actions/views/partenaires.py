"""The partners directory, shared by every action: list, detail, create, edit, merge."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from actions.enums import RolePartenaire
from actions.forms.partenaires import (
    FusionPartenaireForm,
    PartenaireForm,
    RecherchePartenaireForm,
)
from actions.models import ActionPartenaire, Partenaire
from actions.services import (
    CHAMPS_CONTACT,
    PartenaireDisparu,
    fusionner_partenaires,
    role_le_plus_fort,
)
from projet_social.permissions import exiger, get_projet_courant
from projet_social.search import cle_de_tri, filtrer_texte

PAR_PAGE = 50

_CODE_ACTION = ["action__objectif__axe__numero", "action__objectif__numero", "action__numero"]


def _get_partenaire_for_user(request: HttpRequest, pk: int) -> Partenaire:
    """A partner of the directory; the directory is shared by every projet."""
    exiger(request.user, "actions.view_partenaire")
    return get_object_or_404(Partenaire, pk=pk)


def _nb_actions(projet) -> Coalesce:
    """How many actions of ``projet`` a partner takes part in, as a correlated subquery
    (no GROUP BY on the list, whatever search annotation it carries)."""
    participations = (
        ActionPartenaire.objects.filter(
            partenaire=OuterRef("pk"), action__objectif__axe__projet=projet
        )
        .order_by()
        .values("partenaire")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(participations, output_field=models.IntegerField()), 0)


def annuaire(request: HttpRequest, projet) -> tuple[RecherchePartenaireForm, models.QuerySet]:
    """The directory as its list shows it: the search of the query string, the partners it
    finds in name order, each with its number of actions in ``projet`` (``nb_actions``).
    Its export (projet_social/views/exports.py) reads the same rows."""
    recherche = RecherchePartenaireForm(request.GET or None)
    partenaires = Partenaire.objects.annotate(nb_actions=_nb_actions(projet))
    if recherche.is_valid():
        partenaires = filtrer_texte(partenaires, recherche.cleaned_data["q"], ["nom", "contact"])
        if recherche.cleaned_data["type"]:
            partenaires = partenaires.filter(type=recherche.cleaned_data["type"])
    return recherche, partenaires.order_by(cle_de_tri("nom"), "nom", "pk")


@require_safe
def liste(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "actions.view_partenaire")
    projet = get_projet_courant(request)
    recherche, partenaires = annuaire(request, projet)
    page = Paginator(partenaires, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "actions/partenaire_liste.html",
        {
            "projet": projet,
            "recherche": recherche,
            "filtre_actif": recherche.is_valid() and any(recherche.cleaned_data.values()),
            "page": page,
            "parametres": parametres.urlencode(),
        },
    )


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    partenaire = _get_partenaire_for_user(request, pk)
    projet = get_projet_courant(request)
    participations = (
        partenaire.participations.filter(action__objectif__axe__projet=projet)
        .select_related("action__objectif__axe")
        .order_by(*_CODE_ACTION, "pk")
    )
    financements = list(
        partenaire.financements.filter(action__objectif__axe__projet=projet)
        .select_related("action__objectif__axe")
        .order_by("annee", *_CODE_ACTION, "pk")
    )
    return render(
        request,
        "actions/partenaire_detail.html",
        {
            "projet": projet,
            "partenaire": partenaire,
            "participations": participations,
            "financements": financements,
            "total_prevu": sum(ligne.montant_prevu for ligne in financements),
            "total_realise": sum(ligne.montant_realise or 0 for ligne in financements),
            "reunions": partenaire.reunions.filter(projet=projet).order_by("date", "pk"),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def creer(request: HttpRequest) -> HttpResponse:
    exiger(request.user, "actions.add_partenaire")
    form = PartenaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                partenaire = form.save()
        except IntegrityError:
            _deja_enregistre(form)
        else:
            messages.success(request, "Partenaire enregistré.")
            return redirect("actions:partenaire", partenaire.pk)
    return render(
        request,
        "actions/partenaire_form.html",
        {"form": form, "partenaire": None, "titre": "Nouveau partenaire"},
        status=409 if form.has_error("nom", "course") else 200,
    )


def _deja_enregistre(form: PartenaireForm) -> None:
    """The form checked the name, then a colleague saved it first (two saves at once): the
    database refused the second; the user's input is kept, with the reason."""
    form.add_error(
        "nom",
        forms.ValidationError(
            "Un partenaire de ce nom (aux majuscules, accents ou tirets près) vient d'être "
            "enregistré par ailleurs : ce partenaire existe déjà, choisissez-le ou donnez un "
            "autre nom.",
            code="course",
        ),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def modifier(request: HttpRequest, pk: int) -> HttpResponse:
    exiger(request.user, "actions.change_partenaire")
    partenaire = _get_partenaire_for_user(request, pk)
    nom = partenaire.nom  # before the form writes the input on the partner
    form = PartenaireForm(request.POST if request.method == "POST" else None, instance=partenaire)
    conflit = None
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                conflit = form.enregistrer()
        except IntegrityError:
            _deja_enregistre(form)
        else:
            if conflit is None:
                messages.success(request, "Partenaire enregistré.")
                return redirect("actions:partenaire", partenaire.pk)
    return render(
        request,
        "actions/partenaire_form.html",
        {
            "form": form,
            "partenaire": partenaire,
            "nom": nom,
            "titre": f"Modifier « {nom} »",
            "conflit": conflit,
        },
        status=409 if conflit or form.has_error("nom", "course") else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def fusionner(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the partner ``pk`` (a duplicate) into another one, chosen on the page.

    GET shows what the duplicate carries; GET with ``garder`` previews where each row goes;
    POST merges.
    """
    exiger(request.user, "actions.change_partenaire")
    doublon = _get_partenaire_for_user(request, pk)
    if request.method == "POST":
        donnees = request.POST
    else:
        donnees = request.GET if "garder" in request.GET else None
    form = FusionPartenaireForm(donnees, doublon=doublon)
    garde = form.cleaned_data["garder"] if form.is_valid() else None
    if request.method == "POST" and garde is not None:
        try:
            fusionner_partenaires(doublon, garde)
        except PartenaireDisparu as disparu:
            messages.error(request, str(disparu))
            return redirect("actions:partenaires")
        messages.success(request, f"« {doublon.nom} » a été fusionné dans « {garde.nom} ».")
        return redirect("actions:partenaire", garde.pk)
    return render(
        request,
        "actions/partenaire_fusion.html",
        {"doublon": doublon, "form": form, "garde": garde, **_apercu(doublon, garde)},
    )


def _apercu(doublon: Partenaire, garde: Partenaire | None) -> dict:
    """What the merge moves, row by row, and what becomes of each row when ``garde`` is known.
    Every projet is covered: the merge moves the rows of all of them."""
    roles_garde = {}
    reunions_garde = set()
    if garde is not None:
        roles_garde = dict(garde.participations.values_list("action_id", "role"))
        reunions_garde = set(garde.reunions.values_list("pk", flat=True))
    participations = []
    for participation in doublon.participations.select_related("action__objectif__axe").order_by(
        "action__objectif__axe__projet", *_CODE_ACTION, "pk"
    ):
        role_garde = roles_garde.get(participation.action_id)
        participation.deja_present = role_garde is not None
        if role_garde is not None:
            participation.role_final = RolePartenaire(
                role_le_plus_fort(role_garde, participation.role)
            ).label
        participations.append(participation)
    reunions = list(doublon.reunions.order_by("date", "pk"))
    for reunion in reunions:
        reunion.deja_present = reunion.pk in reunions_garde
    contacts = []
    if garde is not None:
        contacts = [
            (Partenaire._meta.get_field(champ).verbose_name, getattr(doublon, champ))
            for champ in CHAMPS_CONTACT
            if not getattr(garde, champ) and getattr(doublon, champ)
        ]
    return {
        "participations": participations,
        "financements": doublon.financements.select_related("action__objectif__axe").order_by(
            "annee", *_CODE_ACTION, "pk"
        ),
        "reunions": reunions,
        "contacts": contacts,
    }
