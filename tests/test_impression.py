"""Printing a page from the browser (static/css/print.css): the stylesheet is linked for print
only, the pages mark their navigation, filters and buttons as not printed, a column hidden
in print goes with its header, and the print rules that keep tables whole are there."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from actions.enums import StatutAction
from tests.actions.factories import (
    ActionFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
)
from tests.axes.factories import BesoinSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, ReunionFactory

VIDES = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: "Element | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.enfants: list[Element] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for enfant in self.enfants:
            yield from enfant.iter()

    def imprime(self) -> bool:
        """False when the element or one of its ancestors is marked d-print-none."""
        element = self
        while element is not None:
            if "d-print-none" in element.classes:
                return False
            element = element.parent
        return True

    def decrire(self) -> str:
        attrs = " ".join(f'{k}="{v}"' for k, v in self.attrs.items() if k != "style")
        return f"<{self.tag} {attrs}>"


class _Arbre(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.racine = Element("document", {}, None)
        self._courant = self.racine

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self._courant)
        self._courant.enfants.append(element)
        if tag not in VIDES:
            self._courant = element

    def handle_endtag(self, tag):
        element = self._courant
        while element is not None and element.tag != tag:
            element = element.parent
        if element is not None and element.parent is not None:
            self._courant = element.parent


def arbre(response) -> Element:
    assert response.status_code == 200
    lecteur = _Arbre()
    lecteur.feed(response.content.decode())
    return lecteur.racine


def controles(racine: Element) -> list[Element]:
    """What a reader can click or type in: buttons, links styled as buttons, forms, the
    navigation blocks (header menu, breadcrumbs, tables of contents, pagination)."""
    return [
        e
        for e in racine.iter()
        if e.tag in {"button", "form", "nav"} or (e.tag == "a" and "btn" in e.classes)
    ]


def colonnes_imprimees(ligne: Element) -> int:
    return sum(
        int(cellule.attrs.get("colspan") or 1)
        for cellule in ligne.enfants
        if cellule.tag in {"th", "td"} and cellule.imprime()
    )


# --- The pages ---------------------------------------------------------------------------


@pytest.fixture
def plan_complet(projet, objectif, action, administrateur):
    """A plan with what every main page shows: a fiche with partners, budget and indicators,
    an open review and a closed one, a meeting, a social need."""
    action.statut = StatutAction.EN_COURS
    action.save()
    action.partenaires.add(PartenaireFactory(nom="Épicerie solidaire"))
    LigneBudgetFactory(action=action, annee=2025)
    IndicateurFactory(action=action)
    action.besoins.add(BesoinSocialFactory(projet=projet))
    autre = ActionFactory(objectif=objectif, numero=2, intitule="Repas partagés")
    close = CampagneFactory(projet=projet, annee=2024)
    EvaluationFactory(campagne=close, action=action)
    EvaluationFactory(campagne=close, action=autre)
    close.clore(administrateur)
    ouverte = CampagneFactory(projet=projet, annee=2025)
    EvaluationFactory(campagne=ouverte, action=action)
    ReunionFactory(projet=projet)
    return {"action": action, "ouverte": ouverte, "close": close}


PAGES = {
    "tableau de bord": lambda d: reverse("home"),
    "tableau de bord, bilan clos comparé": lambda d: (
        reverse("home") + f"?bilan={d['close'].pk}&comparer={d['ouverte'].pk}"
    ),
    "plan": lambda d: reverse("axes:plan"),
    "liste": lambda d: reverse("actions:liste"),
    "fiche": lambda d: reverse("actions:detail", args=[d["action"].pk]),
    "bilans": lambda d: reverse("evaluations:campagnes"),
    "bilan ouvert": lambda d: reverse("evaluations:campagne", args=[d["ouverte"].pk]),
    "bilan clos": lambda d: reverse("evaluations:campagne", args=[d["close"].pk]),
    "concertation": lambda d: reverse("evaluations:concertation"),
    "partenaires": lambda d: reverse("actions:partenaires"),
    "besoins": lambda d: reverse("axes:besoins"),
}


@pytest.mark.django_db
def test_base_links_the_print_stylesheet_for_print_only_after_app_css(client, agent, projet):
    client.force_login(agent)
    racine = arbre(client.get(reverse("actions:liste")))
    feuilles = [
        (e.attrs["href"], e.attrs.get("media"))
        for e in racine.iter()
        if e.tag == "link" and e.attrs.get("rel") == "stylesheet"
    ]
    noms = [href.rsplit("/", 1)[-1] for href, _ in feuilles]
    assert noms == ["bootstrap.min.css", "app.css", "print.css"]
    assert [media for _, media in feuilles] == [None, None, "print"]
    # The details are opened before printing by a script file: no inline script (CSP).
    scripts = [e for e in racine.iter() if e.tag == "script"]
    assert all(e.attrs.get("src") for e in scripts)
    assert any(e.attrs["src"].endswith("js/impression.js") for e in scripts)
    assert finders.find("css/print.css") and finders.find("js/impression.js")


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_no_control_of_a_page_is_printed(client, administrateur, plan_complet, page):
    # The administrator sees every button (edit, move, delete, close, evaluate).
    client.force_login(administrateur)
    racine = arbre(client.get(PAGES[page](plan_complet)))
    main = next(e for e in racine.iter() if e.tag == "main")
    assert main.imprime()
    assert [e.decrire() for e in controles(racine) if e.imprime()] == []
    skip = next(e for e in racine.iter() if "skip-link" in e.classes)
    assert not skip.imprime()


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_a_column_hidden_in_print_goes_with_its_header(client, administrateur, plan_complet, page):
    client.force_login(administrateur)
    racine = arbre(client.get(PAGES[page](plan_complet)))
    tables = [e for e in racine.iter() if e.tag == "table"]
    assert tables or page == "plan"
    for table in tables:
        entetes = [e for e in table.iter() if e.tag == "tr" and e.parent.tag == "thead"]
        lignes = [
            e
            for e in table.iter()
            if e.tag == "tr" and e.parent.tag in {"table", "tbody", "tfoot"} and e.imprime()
        ]
        if not entetes:
            continue
        # The first header row spans every column (rowspan / colspan for grouped headers).
        largeur = colonnes_imprimees(entetes[0])
        for ligne in lignes:
            assert colonnes_imprimees(ligne) == largeur, table.decrire()


@pytest.mark.django_db
def test_the_review_does_not_print_its_evaluate_buttons_column(
    client, administrateur, plan_complet
):
    client.force_login(administrateur)
    url = reverse("evaluations:campagne", args=[plan_complet["ouverte"].pk])
    racine = arbre(client.get(url))
    evaluer = reverse(
        "evaluations:evaluer", args=[plan_complet["ouverte"].pk, plan_complet["action"].pk]
    )
    liens = [e for e in racine.iter() if e.tag == "a" and e.attrs.get("href") == evaluer]
    assert liens
    assert not any(lien.imprime() for lien in liens)
    cellules = {lien.parent.tag for lien in liens}
    assert cellules == {"td"}


# --- The stylesheet ----------------------------------------------------------------------


def _regles(css: str) -> list[tuple[str, str]]:
    """(prelude, body) of every block, nested blocks included (an @page's margin boxes, an
    @media's rules), comments removed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    regles, pile, debut = [], [], 0
    for i, c in enumerate(css):
        if c == "{":
            pile.append((css[debut:i].strip(), i + 1))
            debut = i + 1
        elif c == "}":
            prelude, ouverture = pile.pop()
            regles.append((prelude, css[ouverture:i]))
            debut = i + 1
        elif c == ";" and not pile:
            debut = i + 1
    assert not pile, "accolade non fermée"
    return regles


def _declarations(corps: str) -> dict[str, str]:
    corps = re.sub(r"[^;{}]*\{[^{}]*\}", "", corps)  # nested blocks
    paires = (d.split(":", 1) for d in corps.split(";") if ":" in d)
    return {p.strip(): v.replace("!important", "").strip() for p, v in paires}


def _style_de(regles, selecteur: str) -> dict[str, str]:
    """The declarations of every rule whose selector list names ``selecteur``, merged."""
    style: dict[str, str] = {}
    for prelude, corps in regles:
        if selecteur in (s.strip() for s in prelude.split(",")):
            style.update(_declarations(corps))
    return style


@pytest.fixture(scope="module")
def regles():
    with open(finders.find("css/print.css"), encoding="utf-8") as f:
        return _regles(f.read())


def test_print_css_prints_on_a4_with_margins(regles):
    page = _style_de(regles, "@page")
    assert page["size"] == "A4"
    assert page["margin"]


def test_print_css_keeps_tables_whole(regles):
    assert _style_de(regles, ".table-responsive")["overflow"] == "visible"
    assert _style_de(regles, "tr")["break-inside"] == "avoid"
    assert _style_de(regles, "thead")["display"] == "table-header-group"
    assert _style_de(regles, '[style*="min-width"]')["min-width"] == "0"
    assert _style_de(regles, ".container")["max-width"] == "none"
    for titre in ("h1", "h2", "h3", "caption"):
        assert _style_de(regles, titre)["break-after"] == "avoid"


def test_print_css_keeps_meaningful_colours_and_hides_what_is_for_screen_only(regles):
    for selecteur in (".badge", ".progress-bar", ".axe-pastille"):
        assert _style_de(regles, selecteur)["print-color-adjust"] == "exact"
    for selecteur in (".visually-hidden", "nav", ".btn", ".app-header", ".skip-link"):
        assert _style_de(regles, selecteur)["display"] == "none"


def test_print_css_writes_only_external_addresses_after_links(regles):
    avec_adresse = [
        prelude
        for prelude, corps in regles
        if "attr(href)" in _declarations(corps).get("content", "")
    ]
    assert avec_adresse
    for prelude in avec_adresse:
        assert all('[href^="http' in s for s in prelude.split(",")), prelude
