"""Read a rendered page as a structure, to assert what a user (or assistive technology) gets:
an element's attributes and its text, found by id or by a predicate."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VIDES = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict
    texte: str = ""
    enfants: list["Element"] = field(default_factory=list)

    def tous(self):
        yield self
        for enfant in self.enfants:
            yield from enfant.tous()


class _Lecteur(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.racine = Element("document", {})
        self.pile = [self.racine]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {nom: ("" if valeur is None else valeur) for nom, valeur in attrs})
        self.pile[-1].enfants.append(element)
        if tag not in VIDES:
            self.pile.append(element)

    def handle_endtag(self, tag):
        for rang in range(len(self.pile) - 1, 0, -1):
            if self.pile[rang].tag == tag:
                del self.pile[rang:]
                return

    def handle_data(self, data):
        for element in self.pile:
            element.texte += data


def lire_page(response) -> Element:
    lecteur = _Lecteur()
    lecteur.feed(response.content.decode())
    return lecteur.racine


def par_id(page: Element, ident: str) -> Element:
    trouves = [e for e in page.tous() if e.attrs.get("id") == ident]
    assert len(trouves) == 1, f"{len(trouves)} éléments d'id {ident!r}"
    return trouves[0]


def texte(element: Element) -> str:
    """The element's text with its spaces collapsed."""
    return " ".join(element.texte.split())
