"""Charts drawn on the server as SVG, for the screens and the PDF documents alike.

A chart is a dataclass that knows its figures and computes the geometry of its shapes; one
template partial per kind (``templates/graphiques/``) draws it: an SVG with a title and a
text alternative, then the same figures as a table behind "Voir les données" (RGAA). Values
and labels are always written, so colour never carries meaning alone, and every colour is
darkened until it keeps a 3:1 contrast against the white page. A row or a segment may carry
a link (the filtered list behind the figure).

No JavaScript, no library: four kinds of chart, a few dozen lines each."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

LARGEUR = 640  # the SVG's user units; it scales to its container
POLICE = 13
_COMPTEUR = itertools.count(1)

# Colours for series without a colour of their own; each keeps 4.5:1 with white text on it.
GRIS = "#5c636a"
BLEU = "#0a58ca"
VERT = "#146c43"
ORANGE = "#9a4a00"
ROUGE = "#842029"
VIOLET = "#59359a"


def _luminance(couleur: str) -> float:
    def canal(hexa: str) -> float:
        c = int(hexa, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (canal(couleur[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contraste(couleur: str, fond: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours."""
    claire, sombre = sorted((_luminance(couleur), _luminance(fond)), reverse=True)
    return (claire + 0.05) / (sombre + 0.05)


def couleur_lisible(couleur: str | None, minimum: float = 3.0) -> str:
    """``couleur`` darkened step by step until it keeps ``minimum`` contrast with white (an
    axe's colour is chosen by an agent, and may be a pale one)."""
    if not couleur or len(couleur) != 7 or not couleur.startswith("#"):
        return GRIS
    try:
        rgb = [int(couleur[i : i + 2], 16) for i in (1, 3, 5)]
    except ValueError:
        return GRIS
    resultat = couleur.lower()
    while contraste(resultat) < minimum:
        rgb = [int(c * 0.9) for c in rgb]
        resultat = "#" + "".join(f"{c:02x}" for c in rgb)
    return resultat


def _abreger(texte: str, longueur: int) -> str:
    return texte if len(texte) <= longueur else texte[: longueur - 1].rstrip() + "…"


def _identifiant(prefixe: str) -> str:
    return f"{prefixe}-{next(_COMPTEUR)}"


@dataclass
class Graphique:
    """What every chart has: a title, a text alternative (one or two sentences saying what
    the chart shows and its main figures) and the headers of its data table."""

    titre: str
    description: str
    colonnes: list[str] = field(default_factory=list)
    identifiant: str = ""
    # Width in CSS pixels at which it is drawn 1:1 (its column's width on a laptop); it
    # shrinks with a narrower column, never grows.
    largeur: int = LARGEUR

    def __post_init__(self) -> None:
        if not self.identifiant:
            self.identifiant = _identifiant("graphique")


# --- Horizontal bars: one figure per row ---------------------------------------------------


@dataclass
class Barre:
    libelle: str
    valeur: float | None
    texte: str  # the value as written: "62 %", "3 actions", "—"
    couleur: str | None = None
    lien: str | None = None
    details: list[str] = field(default_factory=list)  # more cells of the data table
    quoi: str = "voir les actions"  # where the link leads, said in its name


@dataclass
class Barres(Graphique):
    """One bar per row, its label above it and its value written at its end (avancement per
    axe, actions per need…). ``maximum`` is the full width (100 for percentages)."""

    barres: list[Barre] = field(default_factory=list)
    maximum: float | None = None
    gabarit: str = "graphiques/_barres.html"

    HAUTEUR_LIGNE = 44
    HAUTEUR_BARRE = 16

    @property
    def marge_valeur(self) -> int:
        """Room for the longest written value after a full bar."""
        return 8 * max((len(b.texte) for b in self.barres), default=4) + 12

    @property
    def hauteur(self) -> int:
        return max(1, len(self.barres)) * self.HAUTEUR_LIGNE + 4

    @property
    def formes(self) -> list[dict]:
        maximum = self.maximum or max((b.valeur or 0 for b in self.barres), default=0) or 1
        utile = self.largeur - self.marge_valeur
        formes = []
        for rang, barre in enumerate(self.barres):
            haut = rang * self.HAUTEUR_LIGNE
            largeur = round(utile * min(barre.valeur or 0, maximum) / maximum, 1)
            formes.append(
                {
                    "barre": barre,
                    "libelle": _abreger(barre.libelle, 60),
                    "y_libelle": haut + POLICE + 2,
                    "y": haut + 20,
                    "largeur": max(largeur, 2) if barre.valeur else 0,
                    "x_valeur": (max(largeur, 2) if barre.valeur else 0) + 6,
                    "y_valeur": haut + 20 + self.HAUTEUR_BARRE - 3,
                    "couleur": couleur_lisible(barre.couleur),
                    "piste": utile,
                }
            )
        return formes


# --- Stacked bars: rows of segments --------------------------------------------------------


@dataclass
class Serie:
    """A kind of segment or bar, with its colour, in the legend."""

    libelle: str
    couleur: str

    def __post_init__(self) -> None:
        self.couleur = couleur_lisible(self.couleur, 4.5)


@dataclass
class Segment:
    valeur: float
    texte: str
    lien: str | None = None


@dataclass
class LigneEmpilee:
    libelle: str
    segments: list[Segment]  # one per series, in the series' order
    lien: str | None = None
    total_texte: str = ""

    @property
    def total(self) -> float:
        return sum(segment.valeur for segment in self.segments)


@dataclass
class BarresEmpilees(Graphique):
    """Rows of segments end to end (statuts of the actions; échéances per quarter split into
    à venir / en retard). Each segment writes its value inside itself when wide enough, the
    legend names every series, and the table gives every figure."""

    series: list[Serie] = field(default_factory=list)
    lignes: list[LigneEmpilee] = field(default_factory=list)
    maximum: float | None = None  # None: each row's scale is the largest row's total
    gabarit: str = "graphiques/_barres_empilees.html"

    HAUTEUR_LIGNE = 46
    HAUTEUR_BARRE = 22
    MARGE_TOTAL = 70

    @property
    def hauteur_legende(self) -> int:
        return 24 * ((len(self.series) + 2) // 3)

    @property
    def hauteur(self) -> int:
        return len(self.lignes) * self.HAUTEUR_LIGNE + self.hauteur_legende + 8

    @property
    def legende(self) -> list[dict]:
        return [
            {
                "serie": serie,
                "x": (rang % 3) * (self.largeur // 3),
                "y": 24 * (rang // 3),
            }
            for rang, serie in enumerate(self.series)
        ]

    @property
    def formes(self) -> list[dict]:
        maximum = self.maximum or max((ligne.total for ligne in self.lignes), default=0) or 1
        utile = self.largeur - self.MARGE_TOTAL
        formes = []
        for rang, ligne in enumerate(self.lignes):
            haut = self.hauteur_legende + 8 + rang * self.HAUTEUR_LIGNE
            x = 0.0
            segments = []
            for serie, segment in zip(self.series, ligne.segments, strict=True):
                largeur = round(utile * segment.valeur / maximum, 1)
                if largeur:
                    segments.append(
                        {
                            "serie": serie,
                            "segment": segment,
                            "x": x,
                            "largeur": largeur,
                            "x_texte": x + largeur / 2,
                            "texte_visible": largeur >= 8 * len(segment.texte) + 6,
                        }
                    )
                x += largeur
            formes.append(
                {
                    "ligne": ligne,
                    "libelle": _abreger(ligne.libelle, 60),
                    "y_libelle": haut + POLICE,
                    "y": haut + 18,
                    "y_texte": haut + 18 + self.HAUTEUR_BARRE / 2 + 4,
                    "segments": segments,
                    "x_total": x + 6,
                }
            )
        return formes


# --- Grouped bars: rows with one bar per series ---------------------------------------------


@dataclass
class LigneGroupee:
    libelle: str
    valeurs: list[Segment]  # one per series
    lien: str | None = None


@dataclass
class BarresGroupees(Graphique):
    """Rows with a bar per series, side by side (avancement of each axe in two reviews;
    budget planned and realised per axe). Each bar writes its value at its end."""

    series: list[Serie] = field(default_factory=list)
    lignes: list[LigneGroupee] = field(default_factory=list)
    maximum: float | None = None
    gabarit: str = "graphiques/_barres_groupees.html"

    HAUTEUR_BARRE = 14

    @property
    def marge_valeur(self) -> int:
        textes = [
            len(v.texte) + len(s.libelle) + 3
            for ligne in self.lignes
            for s, v in zip(self.series, ligne.valeurs, strict=True)
        ]
        return 7 * max(textes, default=8) + 12

    @property
    def hauteur_legende(self) -> int:
        return 24 * ((len(self.series) + 2) // 3)

    @property
    def hauteur_ligne(self) -> int:
        return 22 + len(self.series) * (self.HAUTEUR_BARRE + 4) + 8

    @property
    def hauteur(self) -> int:
        return self.hauteur_legende + 8 + len(self.lignes) * self.hauteur_ligne

    @property
    def legende(self) -> list[dict]:
        return [
            {"serie": serie, "x": (rang % 3) * (self.largeur // 3), "y": 24 * (rang // 3)}
            for rang, serie in enumerate(self.series)
        ]

    @property
    def formes(self) -> list[dict]:
        valeurs = [v.valeur for ligne in self.lignes for v in ligne.valeurs]
        maximum = self.maximum or max(valeurs, default=0) or 1
        utile = self.largeur - self.marge_valeur
        formes = []
        for rang, ligne in enumerate(self.lignes):
            haut = self.hauteur_legende + 8 + rang * self.hauteur_ligne
            barres = []
            for position, (serie, valeur) in enumerate(
                zip(self.series, ligne.valeurs, strict=True)
            ):
                y = haut + 20 + position * (self.HAUTEUR_BARRE + 4)
                largeur = round(utile * min(valeur.valeur, maximum) / maximum, 1)
                barres.append(
                    {
                        "serie": serie,
                        "valeur": valeur,
                        "y": y,
                        "largeur": max(largeur, 2) if valeur.valeur else 0,
                        "x_texte": (max(largeur, 2) if valeur.valeur else 0) + 6,
                        "y_texte": y + self.HAUTEUR_BARRE - 3,
                    }
                )
            formes.append(
                {
                    "ligne": ligne,
                    "libelle": _abreger(ligne.libelle, 60),
                    "y_libelle": haut + POLICE + 2,
                    "barres": barres,
                }
            )
        return formes


# --- A line over the years -----------------------------------------------------------------


@dataclass
class Point:
    libelle: str  # "2024"
    valeur: float | None
    texte: str


@dataclass
class Courbe(Graphique):
    """Values over the reviews, each point with its value written, and the target as a
    dashed line with its label (the trend of an indicator)."""

    points: list[Point] = field(default_factory=list)
    cible: float | None = None
    cible_texte: str = ""
    couleur: str = BLEU
    gabarit: str = "graphiques/_courbe.html"

    HAUTEUR = 220
    GAUCHE = 24
    DROITE = 24
    HAUT = 56  # the legend of the target, then room for the top value
    BAS = 36

    @property
    def hauteur(self) -> int:
        return self.HAUTEUR

    def _y(self, valeur: float, maximum: float) -> float:
        utile = self.HAUTEUR - self.HAUT - self.BAS
        return round(self.HAUT + utile * (1 - valeur / maximum), 1)

    @property
    def geometrie(self) -> dict:
        valeurs = [p.valeur for p in self.points if p.valeur is not None]
        if self.cible is not None:
            valeurs.append(self.cible)
        maximum = max(valeurs, default=0) * 1.1 or 1
        utile = self.largeur - self.GAUCHE - self.DROITE
        pas = utile / max(len(self.points) - 1, 1)
        points = []
        for rang, point in enumerate(self.points):
            x = round(self.GAUCHE + rang * pas, 1) if len(self.points) > 1 else self.largeur / 2
            points.append(
                {
                    "point": point,
                    "x": x,
                    "y": self._y(point.valeur, maximum) if point.valeur is not None else None,
                }
            )
        traces = [p for p in points if p["y"] is not None]
        return {
            "points": points,
            "trace": " ".join(f"{p['x']},{p['y']}" for p in traces),
            "y_cible": self._y(self.cible, maximum) if self.cible is not None else None,
            "y_axe": self.HAUTEUR - self.BAS,
            "y_annee": self.HAUTEUR - self.BAS + 20,
            "x_fin": self.largeur,
            "couleur": couleur_lisible(self.couleur),
        }
