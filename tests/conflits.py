"""Two agents saving the same object: what the refused one reads (the message, the table of
what changed). The two browser tabs are the ``deux_onglets`` fixture (tests/conftest.py)."""

import datetime
import html
import re

from django.utils import timezone

# What a POST without the version (forged, truncated) is told; nothing is saved.
SANS_VERSION = (
    "Ce formulaire ne précise pas la version qu'il modifie : rien n'a été enregistré. "
    "Rechargez la page pour repartir de la version enregistrée."
)


def texte_lu(response) -> str:
    """The page as a user reads it: tags removed, entities decoded, spaces collapsed."""
    sans_balises = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(sans_balises).split())


def quand(date: datetime.datetime) -> str:
    local = timezone.localtime(date)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def colonnes_du_conflit(response) -> list[str]:
    """The headers of the table of changes in the refusal."""
    tableau = re.search(r'id="conflit".*?<thead>(.*?)</thead>', response.content.decode(), re.S)
    assert tableau, "La page ne montre pas de tableau des modifications."
    return [html.unescape(cellule) for cellule in re.findall(r"<th[^>]*>(.*?)</th>", tableau[1])]


def changements_du_conflit(response) -> list[tuple[str, str, str]]:
    """(field, first column, second column) of each row of the table of changes."""
    bloc = re.search(r'id="conflit".*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    assert bloc, "La page ne montre pas de tableau des modifications."
    lignes = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', bloc[1], re.S
    )
    return [tuple(html.unescape(cellule) for cellule in ligne) for ligne in lignes]


def sans_version(donnees: dict) -> dict:
    """The posted data without the version, as a forged or truncated POST would be."""
    return {nom: valeur for nom, valeur in donnees.items() if nom != "version"}
