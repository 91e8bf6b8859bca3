"""The import of the whole-plan workbook in the browser, for agents: upload, preview, confirm.

The uploaded file is kept in the database with its record (``ImportClasseur``), under a
random jeton written in the user's session: the confirmation re-reads that very file, found
by the session, never by a name the browser sends. ``projet_social.imports`` does the work.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from projet_social.classeur import Rapport
from projet_social.classeur.feuilles import FEUILLES, taille_max_import
from projet_social.classeur.lecture import en_mo
from projet_social.imports import (
    PLAN_MODIFIE,
    ImportDejaTraite,
    abandonner,
    confirmer,
    previsualiser,
)
from projet_social.models import ImportClasseur
from projet_social.permissions import exiger_import, get_projet_courant

# The session's key holding the jeton of its preview waiting for confirmation.
CLE_DE_SESSION = "import_classeur_en_attente"
TYPES_ACCEPTES = (
    ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,.csv,text/csv"
)


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier à importer (classeur .xlsx, ou une feuille en .csv)",
        error_messages={
            "required": "Choisissez le classeur à importer.",
            "empty": "Le fichier choisi est vide.",
            "invalid": "Aucun fichier n'a été reçu : choisissez le classeur à nouveau.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": TYPES_ACCEPTES}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fichier"].help_text = (
            "Le classeur exporté par le produit, ou le modèle vide rempli ; ou une seule feuille "
            "en CSV (UTF-8 ou Windows-1252, séparateur « ; » ou « , »). "
            f"Taille : {en_mo(taille_max_import())} au plus. Rien n'est enregistré avant votre "
            "confirmation."
        )


def _en_attente(request: HttpRequest, projet) -> ImportClasseur | None:
    """This session's preview waiting for its confirmation, if any."""
    jeton = request.session.get(CLE_DE_SESSION)
    if not jeton:
        return None
    return (
        ImportClasseur.objects.defer("contenu")
        .filter(
            jeton=jeton,
            projet=projet,
            par=request.user,
            statut=ImportClasseur.Statut.PREVISUALISE,
        )
        .first()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def importer(request: HttpRequest) -> HttpResponse:
    exiger_import(request.user)
    projet = get_projet_courant(request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        precedent = _en_attente(request, projet)
        if precedent is not None:
            # One preview waits per session: a new upload replaces it.
            try:
                abandonner(precedent)
            except ImportDejaTraite:
                pass
        fichier = form.cleaned_data["fichier"]
        record = previsualiser(fichier, fichier.name, projet, request.user)
        if record.en_attente:
            request.session[CLE_DE_SESSION] = record.jeton
        else:
            request.session.pop(CLE_DE_SESSION, None)
        return redirect("import", pk=record.pk)
    return render(
        request,
        "imports/importer.html",
        {
            "form": form,
            "en_attente": _en_attente(request, projet),
            "derniers": ImportClasseur.objects.filter(projet=projet)
            .select_related("par")
            .defer("contenu", "rapport")[:5],
            "feuilles": FEUILLES,
        },
    )


def liste(request: HttpRequest) -> HttpResponse:
    exiger_import(request.user)  # before the method: an élu is refused, whatever he sends
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    projet = get_projet_courant(request)
    imports = (
        ImportClasseur.objects.filter(projet=projet)
        .select_related("par")
        .defer("contenu", "rapport")
    )
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render(request, "imports/liste.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    exiger_import(request.user)
    projet = get_projet_courant(request)
    record = get_object_or_404(
        ImportClasseur.objects.select_related("par").defer("contenu"), pk=pk, projet=projet
    )
    a_confirmer = (
        record.en_attente
        and record.par_id == request.user.pk
        and request.session.get(CLE_DE_SESSION) == record.jeton
    )
    if request.method == "POST":
        return _decider(request, record, a_confirmer)
    rapport = Rapport.depuis_json(record.rapport)
    return render(
        request,
        "imports/detail.html",
        {
            "record": record,
            "rapport": rapport,
            # The file's errors (not a workbook, too large, a sheet missing) are sentences;
            # those of a sheet, a row, a cell go in a table.
            "erreurs_du_fichier": [e for e in rapport.erreurs if not e.feuille],
            "erreurs_situees": [e for e in rapport.erreurs if e.feuille],
            "a_confirmer": a_confirmer,
        },
    )


def _decider(request: HttpRequest, record: ImportClasseur, a_confirmer: bool) -> HttpResponse:
    """The preview's two buttons: confirm the import, or abandon it."""
    if not a_confirmer or request.POST.get("jeton") != record.jeton:
        messages.error(
            request,
            "Cet import n'attend plus de confirmation de votre part (il a été confirmé ou "
            "abandonné, ou il a été prévisualisé dans une autre session) : rien n'a été fait.",
        )
        return redirect("import", pk=record.pk)
    try:
        if "abandonner" in request.POST:
            abandonner(record)
            request.session.pop(CLE_DE_SESSION, None)
            messages.info(request, f"Import n° {record.pk} abandonné : rien n'a été enregistré.")
            return redirect("import_classeur")
        record, rapport, fait = confirmer(record, request.user)
    except ImportDejaTraite:
        request.session.pop(CLE_DE_SESSION, None)
        messages.warning(request, "Cet import a déjà été confirmé ou abandonné.")
        return redirect("import", pk=record.pk)
    if not fait:
        if not record.en_attente:
            request.session.pop(CLE_DE_SESSION, None)
        messages.warning(request, PLAN_MODIFIE)
    elif rapport.enregistre:
        request.session.pop(CLE_DE_SESSION, None)
        messages.success(
            request,
            f"Import n° {record.pk} enregistré : {_lignes(record.creees)} créée"
            f"{'s' if record.creees > 1 else ''}, {_lignes(record.modifiees)} modifiée"
            f"{'s' if record.modifiees > 1 else ''}.",
        )
    else:
        request.session.pop(CLE_DE_SESSION, None)
        messages.error(request, rapport.conclusion)
    return redirect("import", pk=record.pk)


def _lignes(nombre: int) -> str:
    return f"{nombre} ligne{'s' if nombre > 1 else ''}"
