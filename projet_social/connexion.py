"""Logging in, guarded against password guessing, whatever the way in (the product's login
page, the admin's, any call to ``authenticate``): the guard is an authentication backend.

Every attempt writes an ``EchecConnexion`` row BEFORE the password is checked, then counts
the rows of its window; a success deletes its row and the earlier failures of its pair. So the
count is atomic: of 20 attempts sent at once, at most LOGIN_LIMITE see a count within the
limit, each seeing the rows committed before its own.

- The pair (identifiant, address) is locked after LOGIN_LIMITE failures (default 5 in 15
  minutes): someone elsewhere cannot lock an agent out of their office.
- An address is locked after LOGIN_LIMITE_ADRESSE failures across identifiants (default 30 in
  15 minutes): password spraying from one place is limited too.
- The identifiant is normalised as authentication reads it (NFKC: "ａｇｅｎｔ", "𝐚gent"
  -> "agent"), then case-folded.
- The address is the peer's, or, behind PROXIES_DE_CONFIANCE reverse proxies (default 0),
  the one these proxies wrote in X-Forwarded-For (the n-th from the right): a client cannot
  choose its own address by sending the header.

Logins, failures and lockouts are logged (logger ``projet_social.connexion``). Lockouts are
listed, and lifted, in the admin (« Échecs de connexion ») and by the command
``debloquer_connexions``.
"""

import datetime
import ipaddress
import logging
import re
import unicodedata

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LoginView
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from projet_social.generation import memoire
from projet_social.models import EchecConnexion

journal = logging.getLogger("projet_social.connexion")

MESSAGE_BLOQUE = (
    "Trop de tentatives de connexion ont échoué pour cet identifiant depuis ce poste. Par "
    "sécurité, la connexion est suspendue quelques minutes : réessayez plus tard, ou demandez "
    "à l'administrateur de lever la suspension ou de réinitialiser votre mot de passe."
)
MESSAGE_ADRESSE_BLOQUEE = (
    "Trop de tentatives de connexion ont échoué depuis ce poste. Par sécurité, les connexions "
    "depuis ce poste sont suspendues quelques minutes : réessayez plus tard, ou prévenez "
    "l'administrateur."
)
UNITES = {"s": 1, "m": 60, "h": 3600, "d": 86400, "j": 86400}


def lire_limite(texte: str) -> tuple[int, datetime.timedelta]:
    """ "5/15m" -> (5, 15 minutes); "10/h" -> (10, 1 hour)."""
    trouve = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhdj])\s*", texte or "")
    if trouve is None:
        raise ValueError(f"Limite de connexion illisible : « {texte} » (attendu : 5/15m).")
    nombre, multiple, unite = trouve.groups()
    return int(nombre), datetime.timedelta(seconds=int(multiple or 1) * UNITES[unite])


def normaliser_identifiant(identifiant: str) -> str:
    return unicodedata.normalize("NFKC", identifiant or "").strip().casefold()[:150]


def adresse_du_client(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or behind PROXIES_DE_CONFIANCE proxies the address
    the outermost of them saw, read from the right of X-Forwarded-For."""
    adresse = request.META.get("REMOTE_ADDR")
    proxies = int(getattr(settings, "PROXIES_DE_CONFIANCE", 0))
    if proxies > 0:
        vues = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        vues = [a for a in vues if a]
        if len(vues) >= proxies:
            adresse = vues[-proxies]
    try:
        return str(ipaddress.ip_address(adresse)) if adresse else None
    except ValueError:
        return None


class Tentative:
    """One attempt to log in, counted before its password is checked."""

    def __init__(self, request: HttpRequest, identifiant: str) -> None:
        self.identifiant = normaliser_identifiant(identifiant)
        self.adresse = adresse_du_client(request)

    def compter(self) -> str | None:
        """Write this attempt, then count (one query: this identifiant's failures from this
        address, and all the failures from this address): the message to show if it is
        refused."""
        EchecConnexion.objects.create(identifiant=self.identifiant, adresse=self.adresse)
        maintenant = timezone.now()
        limite, fenetre = lire_limite(settings.LOGIN_LIMITE)
        limite_adresse, fenetre_adresse = lire_limite(settings.LOGIN_LIMITE_ADRESSE)
        comptes = EchecConnexion.objects.filter(adresse=self.adresse).aggregate(
            paire=Count(
                "pk", filter=Q(identifiant=self.identifiant, date__gte=maintenant - fenetre)
            ),
            adresse=Count("pk", filter=Q(date__gte=maintenant - fenetre_adresse)),
        )
        if comptes["paire"] > limite:
            journal.warning(
                "Connexion refusée (suspendue) : identifiant « %s » depuis %s.",
                self.identifiant,
                self.adresse,
            )
            return MESSAGE_BLOQUE
        if self.adresse and comptes["adresse"] > limite_adresse:
            journal.warning(
                "Connexion refusée (poste suspendu) : identifiant « %s » depuis %s.",
                self.identifiant,
                self.adresse,
            )
            return MESSAGE_ADRESSE_BLOQUEE
        return None

    def reussie(self) -> None:
        """A success counts for nothing, and clears its pair's failures."""
        EchecConnexion.objects.filter(identifiant=self.identifiant, adresse=self.adresse).delete()
        journal.info("Connexion de « %s » depuis %s.", self.identifiant, self.adresse)

    def echouee(self) -> None:
        """The attempt's row stays, and counts. Failures older than a day count for nothing:
        forgotten here, as failures come (a success leaves no row)."""
        EchecConnexion.objects.filter(date__lt=timezone.now() - datetime.timedelta(days=1)).delete()
        journal.warning(
            "Échec de connexion : identifiant « %s » depuis %s.", self.identifiant, self.adresse
        )


class BackendProtege(ModelBackend):
    """Django's backend behind the guard. A refused attempt returns no user and leaves the
    message on the request (``connexion_refusee``) for the login page to show."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        tentative = Tentative(request, username)
        refus = tentative.compter()
        if refus is not None:
            request.connexion_refusee = refus
            return None
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            tentative.echouee()
        else:
            tentative.reussie()
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """The user's rights, read from their groups and their own (two queries) once per
        process until someone's rights, or the plan, change: the generation follows the
        tables of the rights (projet_social/generation.py). Every page asks for them."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = memoire(
                "droits",
                (user_obj.pk, user_obj.is_superuser),
                lambda: frozenset(super(BackendProtege, self).get_all_permissions(user_obj)),
            )
        return user_obj._perm_cache


class ConnexionView(LoginView):
    template_name = "registration/login.html"

    def form_invalid(self, form) -> HttpResponse:
        refus = getattr(self.request, "connexion_refusee", None)
        if refus is not None:
            return self.render_to_response(
                self.get_context_data(form=form, bloque=refus), status=429
            )
        return super().form_invalid(form)


def suspensions() -> list[dict]:
    """The pairs and addresses locked now, for the admin and the command."""
    suspendues = []
    limite, fenetre = lire_limite(settings.LOGIN_LIMITE)
    depuis = timezone.now() - fenetre
    for ligne in (
        EchecConnexion.objects.filter(date__gte=depuis)
        .values("identifiant", "adresse")
        .annotate(echecs=Count("pk"), derniere=Max("date"))
        .filter(echecs__gte=limite)
        .order_by("-derniere")
    ):
        suspendues.append({**ligne, "jusqu_a": ligne["derniere"] + fenetre})
    limite, fenetre = lire_limite(settings.LOGIN_LIMITE_ADRESSE)
    depuis = timezone.now() - fenetre
    for ligne in (
        EchecConnexion.objects.filter(date__gte=depuis, adresse__isnull=False)
        .values("adresse")
        .annotate(echecs=Count("pk"), derniere=Max("date"))
        .filter(echecs__gte=limite)
        .order_by("-derniere")
    ):
        suspendues.append({**ligne, "identifiant": None, "jusqu_a": ligne["derniere"] + fenetre})
    return suspendues


def lever(identifiant: str | None = None, adresse: str | None = None) -> int:
    """Lift the lockouts of an identifiant, of an address, or of both together; returns the
    number of failures forgotten."""
    echecs = EchecConnexion.objects.all()
    if identifiant:
        echecs = echecs.filter(identifiant=normaliser_identifiant(identifiant))
    if adresse:
        echecs = echecs.filter(adresse=adresse)
    nombre, _ = echecs.delete()
    journal.warning(
        "Suspension levée : identifiant « %s », adresse %s (%d échecs oubliés).",
        identifiant or "tous",
        adresse or "toutes",
        nombre,
    )
    return nombre
