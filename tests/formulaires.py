"""Read a rendered HTML form the way a browser submits it, so that workflow tests post what a
user would post (every field the page rendered, with its current value), then change only what
the user types."""

import datetime
from html.parser import HTMLParser

from django.urls import reverse


class _Lecteur(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.formulaires: list[dict] = []
        self._courant: dict | None = None
        self._select: str | None = None
        self._select_premier: str | None = None
        self._select_choisi = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._courant = {
                "action": a.get("action") or "",
                "method": a.get("method", "get"),
                "champs": [],
            }
            self.formulaires.append(self._courant)
        if self._courant is None or "disabled" in a:
            return
        champs = self._courant["champs"]
        if tag == "input" and a.get("name"):
            genre = a.get("type", "text")
            if genre in {"submit", "button", "reset", "file", "image"}:
                return
            if genre in {"checkbox", "radio"}:
                if "checked" in a:
                    champs.append((a["name"], a.get("value", "on")))
                return
            champs.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_premier, self._select_choisi = a["name"], None, False
        elif tag == "option" and self._select:
            valeur = a.get("value", "")
            if self._select_premier is None:
                self._select_premier = valeur
            if "selected" in a:
                champs.append((self._select, valeur))
                self._select_choisi = True
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            champs.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea and self._courant:
            nom, valeur = self._courant["champs"][-1]
            self._courant["champs"][-1] = (nom, valeur + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._courant = None
        elif tag == "select" and self._select:
            if not self._select_choisi and self._select_premier is not None and self._courant:
                self._courant["champs"].append((self._select, self._select_premier))
            self._select = None
        elif tag == "textarea":
            if self._textarea and self._courant:
                nom, valeur = self._courant["champs"][-1]
                # The HTML parser keeps the newline that follows <textarea>; browsers drop it.
                self._courant["champs"][-1] = (nom, valeur.removeprefix("\n"))
            self._textarea = None


def lire_formulaire(response) -> dict:
    """The POST data of the page's main form (the first POST form other than "log out")."""
    lecteur = _Lecteur()
    lecteur.feed(response.content.decode())
    deconnexion = reverse("logout")
    for formulaire in lecteur.formulaires:
        if formulaire["method"].lower() == "post" and formulaire["action"] != deconnexion:
            donnees: dict = {}
            for nom, valeur in formulaire["champs"]:
                if nom in donnees:
                    ancienne = donnees[nom]
                    donnees[nom] = (
                        [*ancienne, valeur]
                        if isinstance(ancienne, list)
                        else [
                            ancienne,
                            valeur,
                        ]
                    )
                else:
                    donnees[nom] = valeur
            return donnees
    raise AssertionError("La page n'a pas de formulaire à envoyer.")


def donnees_du_formulaire(response) -> dict:
    """The POST data a browser would send for the form of the response's context (``form``
    plus its ``formset`` or ``formsets``), as rendered, bound or not."""
    contexte = response.context
    formsets = list(contexte["formsets"].values()) if "formsets" in contexte else []
    if "formset" in contexte:
        formsets.append(contexte["formset"])
    data: dict = {}
    formulaires = [contexte["form"]]
    for formset in formsets:
        gestion = formset.management_form
        for nom in gestion.fields:
            data[gestion.add_prefix(nom)] = gestion[nom].value()
        formulaires.extend(formset.forms)
        if hasattr(formset, "empty_form"):
            # The template row « Ajouter » copies (see avec_les_lignes_ajoutees).
            formulaires.append(formset.empty_form)
    for formulaire in formulaires:
        for champ in formulaire:
            valeur = champ.value()
            if isinstance(valeur, bool):
                if valeur:
                    data[champ.html_name] = "on"
            elif isinstance(valeur, list | tuple):
                data[champ.html_name] = [str(v) for v in valeur]
            elif isinstance(valeur, datetime.date):
                data[champ.html_name] = valeur.isoformat()
            elif valeur is None:
                data[champ.html_name] = ""
            else:
                data[champ.html_name] = str(valeur)
    return data


def avec_les_lignes_ajoutees(data: dict) -> dict:
    """``data`` as a browser sends it after « Ajouter » was pressed for each new row a test
    filled in (``etapes-3-libelle`` with 3 rows rendered): each formset's TOTAL_FORMS counts
    up to the highest row index typed. The forms render no empty row (extra=0)."""
    data = dict(data)
    plus_hauts: dict[str, int] = {}
    modeles: dict[str, dict[str, object]] = {}
    for nom in data:
        morceaux = nom.split("-")
        if len(morceaux) == 3 and morceaux[1].isdigit():
            prefixe, index = morceaux[0], int(morceaux[1])
            plus_hauts[prefixe] = max(plus_hauts.get(prefixe, -1), index)
        elif len(morceaux) == 3 and morceaux[1] == "__prefix__":
            modeles.setdefault(morceaux[0], {})[morceaux[2]] = data[nom]
    for prefixe, index in plus_hauts.items():
        cle = f"{prefixe}-TOTAL_FORMS"
        if cle not in data:
            continue
        rendues = int(data[cle] or 0)
        for nouvelle in range(rendues, index + 1):
            # A copied row starts with the template's values (a select's first choice…).
            for champ, valeur in modeles.get(prefixe, {}).items():
                data.setdefault(f"{prefixe}-{nouvelle}-{champ}", valeur)
        data[cle] = str(max(rendues, index + 1))
    return {nom: valeur for nom, valeur in data.items() if "-__prefix__-" not in nom}
