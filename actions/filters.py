"""The filters of the list of actions. Every filter lives in the URL, so a filtered list is
a link an agent can send to a colleague."""

import datetime
import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone

from actions.enums import STATUTS_TERMINES, Priorite, StatutAction
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
    q_en_retard,
)
from axes.models import Axe, BesoinSocial, Objectif
from projet_social.generation import memoire
from projet_social.search import filtrer_texte, mots_de, normalise, sans_accent
from projet_social.utilisateurs import nom_affiche

CHAMPS_RECHERCHE = [
    "intitule",
    "constat",
    "objectifs_action",
    "description",
    "objectif__intitule",
    "objectif__axe__intitule",
    "service_pilote",
    "pilote__first_name",
    "pilote__last_name",
    "pilote__username",
]

# A number as agents write it: "3" (an axe), "3.2" (an objective), "3.2.1" (a fiche).
CODE = re.compile(r"^(\d{1,4})(?:\.(\d{1,4}))?(?:\.(\d{1,4}))?\.?$")
_CHAMPS_CODE = ("objectif__axe__numero", "objectif__numero", "numero")


def parties_du_code(mot: str) -> tuple[int, ...] | None:
    """ "3.2.1" -> (3, 2, 1); "3.2" -> (3, 2); "3" -> (3,); a word -> None."""
    trouve = CODE.match(mot.strip())
    if trouve is None:
        return None
    return tuple(int(partie) for partie in trouve.groups() if partie is not None)


def q_code(parties: tuple[int, ...]) -> Q:
    """The actions under the axe, the objective or the fiche numbered ``parties``."""
    return Q(**dict(zip(_CHAMPS_CODE, parties, strict=False)))


def q_mot(mot: str) -> Q | None:
    """How an action matches a searched word besides its own text: by a partner's name, by a
    public, and a bare number ("3") by the axe's number too."""
    parties = parties_du_code(mot)
    condition = Exists(
        ActionPartenaire.objects.annotate(_nom=normalise(F("partenaire__nom"))).filter(
            action=OuterRef("pk"), _nom__contains=mot
        )
    ) | Exists(
        Action.publics.through.objects.annotate(
            _libelle=normalise(F("publiccible__libelle"))
        ).filter(action=OuterRef("pk"), _libelle__contains=mot)
    )
    if parties is not None:
        condition |= q_code(parties)
    return condition


def trouvee_par(action, mots: list[str]) -> list[str]:
    """Why ``action`` matched the searched ``mots`` when it is not by its title or number:
    ["pilote « Coordination seniors »"]. Reads the action's objective and axe, pilote,
    partners (``participations``) and publics: prefetch them."""
    objectif, axe, pilote = action.objectif, action.objectif.axe, action.pilote
    # (what is named, the text searched, the text shown)
    sources = [
        ("objectif", objectif.intitule, f"{objectif.code} {objectif.intitule}"),
        ("axe", axe.intitule, f"{axe.numero} {axe.intitule}"),
    ]
    if pilote is not None:
        nom = nom_affiche(pilote)
        sources.append(("pilote", f"{nom} {pilote.get_username()}", nom))
    sources.append(("service", action.service_pilote, action.service_pilote))
    partenaires = [participation.partenaire.nom for participation in action.participations.all()]
    sources += [("partenaire", nom, nom) for nom in partenaires]
    sources += [("public", public.libelle, public.libelle) for public in action.publics.all()]
    textes = [
        ("constat", action.constat),
        ("objectifs de l'action", action.objectifs_action),
        ("description", action.description),
    ]
    titre = sans_accent(action.intitule)
    raisons = []
    for mot in mots:
        if mot in titre or parties_du_code(mot) is not None:
            continue  # the title says it; a number says where the action is
        raison = next(
            (f"{nom} « {vu} »" for nom, cherche, vu in sources if mot in sans_accent(cherche)),
            None,
        ) or next((nom for nom, texte in textes if mot in sans_accent(texte)), None)
        if raison is not None and raison not in raisons:
            raisons.append(raison)
    return raisons


class _CaseField(forms.BooleanField):
    def to_python(self, value):
        # Unchecked is None, which django-filter skips: "no filter", not "only the others".
        return True if super().to_python(value) else None


class CaseACocher(django_filters.BooleanFilter):
    """A checkbox: checked filters, unchecked does not filter."""

    field_class = _CaseField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)


def code_trimestre(annee: int, trimestre: int) -> str:
    """The URL value of a quarter: "2026-T3"."""
    return f"{annee}-T{trimestre}"


def libelle_trimestre(annee: int, trimestre: int) -> str:
    return f"{'1er' if trimestre == 1 else f'{trimestre}e'} trimestre {annee}"


def bornes_trimestre(code: str) -> tuple[datetime.date, datetime.date]:
    """ "2026-T3" -> (1 July 2026, 30 September 2026)."""
    annee, trimestre = code.split("-T")
    annee, trimestre = int(annee), int(trimestre)
    debut = datetime.date(annee, 3 * trimestre - 2, 1)
    suivant = datetime.date(annee + (trimestre == 4), 1 if trimestre == 4 else 3 * trimestre + 1, 1)
    return debut, suivant - datetime.timedelta(days=1)


def choix_trimestres(projet) -> list[tuple[str, str]]:
    """The quarters of the plan's years, and of this year and the next."""
    annee = timezone.localdate().year
    annees = range(min(projet.annee_debut, annee), max(projet.annee_fin, annee + 1) + 1)
    return [(code_trimestre(a, t), libelle_trimestre(a, t)) for a in annees for t in (1, 2, 3, 4)]


AVEC_SANS = [("avec", "Avec"), ("sans", "Sans")]
ETATS_ETAPE = [("a_venir", "À venir"), ("en_retard", "En retard"), ("faite", "Faites")]


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="filtrer_recherche")
    axe = django_filters.ModelChoiceFilter(
        label="Axe", field_name="objectif__axe", queryset=Axe.objects.none(), empty_label="Tous"
    )
    objectif = django_filters.ModelChoiceFilter(
        label="Objectif", queryset=Objectif.objects.none(), empty_label="Tous"
    )
    statut = django_filters.MultipleChoiceFilter(
        label="Statut", choices=StatutAction.choices, widget=forms.CheckboxSelectMultiple
    )
    priorite = django_filters.ChoiceFilter(
        label="Priorité", choices=Priorite.choices, empty_label="Toutes"
    )
    pilote = django_filters.ModelChoiceFilter(
        label="Pilote", queryset=get_user_model().objects.none(), empty_label="Tous"
    )
    service = django_filters.ChoiceFilter(
        label="Service pilote", field_name="service_pilote", choices=[], empty_label="Tous"
    )
    partenaire = django_filters.ModelChoiceFilter(
        label="Partenaire",
        queryset=Partenaire.objects.none(),
        method="filtrer_partenaire",
        empty_label="Tous",
    )
    public = django_filters.ModelChoiceFilter(
        label="Public cible",
        queryset=PublicCible.objects.none(),
        method="filtrer_public",
        empty_label="Tous",
    )
    besoin = django_filters.ModelChoiceFilter(
        label="Besoin (ABS)",
        field_name="besoins",
        queryset=BesoinSocial.objects.none(),
        empty_label="Tous",
    )
    en_retard = CaseACocher(label="En retard", method="filtrer_en_retard")
    a_venir = CaseACocher(label="À venir (ni terminée ni en retard)", method="filtrer_a_venir")
    # The dashboard's drill-down: shown on the list only when a link sets them.
    echeance_trimestre = django_filters.ChoiceFilter(
        label="Échéance au", choices=[], method="filtrer_echeance_trimestre"
    )
    etape_trimestre = django_filters.ChoiceFilter(
        label="Étape à échéance au", choices=[], method="filtrer_etape_trimestre"
    )
    etape_etat = django_filters.ChoiceFilter(
        label="État de l'étape", choices=ETATS_ETAPE, method="filtrer_sans_effet"
    )
    partenaires = django_filters.ChoiceFilter(
        label="Partenaires", choices=AVEC_SANS, method="filtrer_partenaires"
    )
    communication = django_filters.ChoiceFilter(
        label="Plan de communication", choices=AVEC_SANS, method="filtrer_communication"
    )
    budget_annee = django_filters.NumberFilter(
        label="Budget de l'année", method="filtrer_budget_annee", min_value=1900, max_value=2200
    )
    sans_pilote = CaseACocher(label="Sans pilote", field_name="pilote", lookup_expr="isnull")
    sans_indicateur = CaseACocher(label="Sans indicateur", method="filtrer_sans_indicateur")

    def __init__(
        self, data=None, queryset=None, *, projet, choix_gardes_sous: tuple = (), **kwargs
    ) -> None:
        """``choix_gardes_sous`` names the list the filters are drawn for (all the actions,
        a user's own...): their drop-down lists are then read once by the server process
        until the plan changes (projet_social/generation.py), instead of six queries on each
        page. Without it (exports, catalogue: no form drawn), nothing is kept."""
        super().__init__(data, queryset, **kwargs)
        self.projet = projet
        self.choix_gardes_sous = choix_gardes_sous
        actions = queryset
        filters = self.filters
        filters["axe"].queryset = Axe.objects.du_projet(projet)
        filters["objectif"].queryset = Objectif.objects.du_projet(projet).select_related("axe")
        filters["pilote"].queryset = (
            get_user_model()
            .objects.filter(actions_pilotees__in=actions)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        # The name the list shows ("Référent insertion"), not the login.
        filters["pilote"].field.label_from_instance = nom_affiche
        filters["service"].extra["choices"] = self._garder(
            "service",
            lambda: [
                (service, service)
                for service in actions.exclude(service_pilote="")
                .order_by("service_pilote")
                .values_list("service_pilote", flat=True)
                .distinct()
            ],
        )
        filters["partenaire"].queryset = Partenaire.objects.filter(
            Exists(ActionPartenaire.objects.filter(partenaire=OuterRef("pk"), action__in=actions))
        )
        filters["public"].queryset = PublicCible.objects.all()
        filters["besoin"].queryset = BesoinSocial.objects.du_projet(projet).order_by(
            "thematique", "pk"
        )
        filters["besoin"].field.label_from_instance = lambda besoin: besoin.thematique
        trimestres = choix_trimestres(projet)
        filters["echeance_trimestre"].extra["choices"] = trimestres
        filters["etape_trimestre"].extra["choices"] = trimestres

    def _garder(self, nom: str, calculer):
        if not self.choix_gardes_sous:
            return calculer()
        return memoire(
            "choix d'un filtre", (nom, self.projet.pk, *self.choix_gardes_sous), calculer
        )

    @property
    def form(self):
        """The filters' form; its drop-down lists drawn from a model are kept
        (``choix_gardes_sous``); the form still checks a value sent against the database."""
        if not hasattr(self, "_form"):
            form = super().form
            for nom in self.LISTES if self.choix_gardes_sous else ():
                champ = form.fields[nom]
                if isinstance(champ, forms.ModelChoiceField):
                    # iter(): list() would first ask the iterator its length (a COUNT).
                    choix = self._garder(nom, lambda champ=champ: list(iter(champ.choices)))
                    # Django's setter: django-filter's would wrap the list in its iterator.
                    forms.ChoiceField.choices.fset(champ, choix)
        return self._form

    def filtrer_recherche(self, queryset, name, value):
        """Numbers with a dot ("3.2", "3.2.1") select by number only; the other words are
        searched in the text, the pilote, the service, the partners and the publics."""
        mots = value.split()
        codes = [mot for mot in mots if len(parties_du_code(mot) or ()) > 1]
        for mot in codes:
            queryset = queryset.filter(q_code(parties_du_code(mot)))
        reste = " ".join(mot for mot in mots if mot not in codes)
        return filtrer_texte(queryset, reste, CHAMPS_RECHERCHE, autres=q_mot)

    @property
    def mots(self) -> list[str]:
        """The searched words (lower case, no accents), when the search is valid."""
        if not self.is_bound or not self.form.is_valid():
            return []
        return mots_de(self.form.cleaned_data.get("q"))

    @property
    def code_recherche(self) -> str | None:
        """The fiche's number when the search is one ("3.2.1"): the list then opens the fiche
        if it finds exactly one."""
        mots = self.mots
        if len(mots) == 1 and len(parties_du_code(mots[0]) or ()) == 3:
            return ".".join(str(partie) for partie in parties_du_code(mots[0]))
        return None

    def expliquer(self, actions: list) -> None:
        """Set ``trouvee_par`` on each of ``actions`` (a page of the list): why the search
        found it, when it is not by its title. Their partners and publics must be prefetched."""
        mots = self.mots
        for action in actions:
            action.trouvee_par = trouvee_par(action, mots) if mots else []

    def filtrer_partenaire(self, queryset, name, value):
        return queryset.filter(
            Exists(ActionPartenaire.objects.filter(action=OuterRef("pk"), partenaire=value))
        )

    def filtrer_public(self, queryset, name, value):
        through = queryset.model.publics.through
        return queryset.filter(
            Exists(through.objects.filter(action=OuterRef("pk"), publiccible=value))
        )

    def filtrer_en_retard(self, queryset, name, value):
        return queryset.en_retard()

    def filtrer_a_venir(self, queryset, name, value):
        return queryset.exclude(statut__in=STATUTS_TERMINES).exclude(q_en_retard())

    def filtrer_echeance_trimestre(self, queryset, name, value):
        return queryset.filter(echeance__range=bornes_trimestre(value))

    def filtrer_etape_trimestre(self, queryset, name, value):
        """Actions with a step due in the quarter (in the state ``etape_etat`` if given)."""
        etapes = Etape.objects.filter(
            action=OuterRef("pk"), echeance__range=bornes_trimestre(value)
        )
        etat = self.form.cleaned_data.get("etape_etat")
        aujourdhui = timezone.localdate()
        if etat == "faite":
            etapes = etapes.filter(faite=True)
        elif etat == "en_retard":
            etapes = etapes.filter(faite=False, echeance__lt=aujourdhui)
        elif etat == "a_venir":
            etapes = etapes.filter(faite=False, echeance__gte=aujourdhui)
        return queryset.filter(Exists(etapes))

    def filtrer_sans_effet(self, queryset, name, value):
        return queryset  # read by another filter

    def filtrer_partenaires(self, queryset, name, value):
        avec = Exists(ActionPartenaire.objects.filter(action=OuterRef("pk")))
        return queryset.filter(avec if value == "avec" else ~avec)

    def filtrer_communication(self, queryset, name, value):
        avec = ~Q(communication_supports="") | ~Q(communication_messages="")
        return queryset.filter(avec if value == "avec" else ~avec)

    def filtrer_budget_annee(self, queryset, name, value):
        return queryset.filter(
            Exists(LigneBudget.objects.filter(action=OuterRef("pk"), annee=value))
        )

    def filtrer_sans_indicateur(self, queryset, name, value):
        return queryset.filter(~Exists(Indicateur.objects.filter(action=OuterRef("pk"))))

    LISTES = ("axe", "objectif", "priorite", "pilote", "service", "partenaire", "public", "besoin")
    CASES = ("en_retard", "sans_pilote", "sans_indicateur")
    # Set by the dashboard's links; the list shows them only when they are in use.
    DETAIL = (
        "a_venir",
        "echeance_trimestre",
        "etape_trimestre",
        "etape_etat",
        "partenaires",
        "communication",
        "budget_annee",
    )

    # Always in sight above the list (with the search and the statuts); the other lists
    # and the boxes are under « Plus de filtres ».
    PRINCIPAUX = ("axe", "pilote")

    @property
    def champs_principaux(self) -> list:
        return [self.form[nom] for nom in self.PRINCIPAUX]

    @property
    def champs_listes(self) -> list:
        return [self.form[nom] for nom in self.LISTES if nom not in self.PRINCIPAUX]

    @property
    def plus_de_filtres_actifs(self) -> int:
        """How many filters under « Plus de filtres » are in use: the panel opens on them."""
        secondaires = {nom for nom in self.LISTES if nom not in self.PRINCIPAUX}
        secondaires |= {*self.CASES, *self.DETAIL}
        return sum(nom in secondaires for nom, _, _ in self._valeurs_actives())

    @property
    def champs_cases(self) -> list:
        return [self.form[nom] for nom in self.CASES]

    @property
    def champs_detail(self) -> list:
        """The drill-down filters in use, shown so that the user sees and can lift them."""
        if not self.is_bound:
            return []
        return [self.form[nom] for nom in self.DETAIL if self.data.get(nom) not in (None, "")]

    def get_form_class(self):
        form_class = super().get_form_class()
        for nom, champ in form_class.base_fields.items():
            widget = champ.widget
            if nom in self.LISTES or isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif nom in self.CASES or nom == "statut" or isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.NumberInput):
                widget.attrs["class"] = "form-control"
        return form_class

    def _valeurs_actives(self) -> list[tuple[str, str, str]]:
        """(filter name, URL value, what the user reads) for each filter in use: one per
        checked statut, none for an invalid form."""
        if not self.is_bound or not self.form.is_valid():
            return []
        actives = []
        for nom, valeur in self.form.cleaned_data.items():
            if nom not in self.filters or valeur in (None, "", [], False):
                continue
            champ = self.form.fields[nom]
            label = str(self.filters[nom].label)
            if nom == "q":
                actives.append((nom, valeur, f"Recherche « {valeur} »"))
            elif isinstance(valeur, bool):
                actives.append((nom, "on", label))
            elif isinstance(valeur, list):
                libelles = dict(champ.choices)
                for choix in valeur:
                    actives.append((nom, choix, f"{label} : {libelles.get(choix, choix)}"))
            elif hasattr(champ, "label_from_instance"):
                lu = champ.label_from_instance(valeur)
                actives.append((nom, str(self.data.get(nom)), f"{label} : {lu}"))
            elif getattr(champ, "choices", None):
                lu = dict(champ.choices).get(valeur, valeur)
                actives.append((nom, str(valeur), f"{label} : {lu}"))
            else:
                valeur = int(valeur) if isinstance(valeur, float | int) else valeur
                actives.append((nom, str(valeur), f"{label} : {valeur}"))
        return actives

    @property
    def actifs(self) -> list[str]:
        """What the filters in use select, for the "N actions – filtres : …" sentence of the
        exports and the catalogue ("Recherche « senior »", "Statut : En cours")."""
        return [libelle for _, _, libelle in self._valeurs_actives()]

    def puces(self) -> list[dict]:
        """The filters in use as removable chips: {"libelle", "url"}, the URL being this list
        without that filter (without that one statut for a multiple choice), on page 1."""
        puces = []
        for nom, valeur, libelle in self._valeurs_actives():
            parametres = (
                self.data.copy() if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
            )
            parametres.pop("page", None)
            multiple = isinstance(self.form.cleaned_data[nom], list)
            restantes = [v for v in parametres.getlist(nom) if v != valeur] if multiple else []
            if nom == "etape_trimestre":
                parametres.pop("etape_etat", None)  # read only with the quarter
            parametres.setlist(nom, restantes)
            puces.append({"libelle": libelle, "url": "?" + parametres.urlencode()})
        return puces
