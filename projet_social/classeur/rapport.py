"""What an import of the workbook tells: per sheet, the rows created, updated (with the
columns that changed) and unchanged; the errors, each naming its sheet, row, column, the value
found and what was expected; warnings (ignored columns, a review or a public created)."""

from dataclasses import dataclass, field

from django.utils.text import Truncator


@dataclass(frozen=True)
class Erreur:
    message: str
    feuille: str | None = None
    ligne: int | None = None
    colonne: str | None = None
    valeur: str | None = None

    def __str__(self) -> str:
        lieu = []
        if self.feuille:
            lieu.append(f"feuille « {self.feuille} »")
        if self.ligne:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne:
            lieu.append(f"colonne « {self.colonne} »")
        debut = ", ".join(lieu)
        if self.valeur is not None:
            valeur = Truncator(self.valeur.replace("\n", " ")).chars(60)
            debut = f"{debut} : valeur « {valeur} »" if debut else f"valeur « {valeur} »"
        texte = f"{debut} : {self.message}" if debut else self.message
        return texte[:1].upper() + texte[1:]


@dataclass(frozen=True)
class Modification:
    ligne: int
    cle: str  # "2.3.1", "CAF du Finistère"…
    colonnes: tuple[str, ...]


@dataclass
class BilanFeuille:
    feuille: str
    creees: int = 0
    modifiees: list[Modification] = field(default_factory=list)
    inchangees: int = 0


@dataclass
class Rapport:
    """The outcome of ``importer_classeur``. ``simulation``: a dry run (nothing is ever
    written); ``refuse``: errors were found, nothing was written."""

    simulation: bool = False
    feuilles: dict[str, BilanFeuille] = field(default_factory=dict)
    erreurs: list[Erreur] = field(default_factory=list)
    avertissements: list[str] = field(default_factory=list)
    # True when the reading stopped at the error limit: more errors may follow.
    erreurs_tronquees: bool = False

    @property
    def refuse(self) -> bool:
        return bool(self.erreurs)

    @property
    def enregistre(self) -> bool:
        return not self.refuse and not self.simulation

    def bilan(self, feuille: str) -> BilanFeuille:
        return self.feuilles.setdefault(feuille, BilanFeuille(feuille))

    @property
    def creees(self) -> int:
        return sum(bilan.creees for bilan in self.feuilles.values())

    @property
    def modifiees(self) -> int:
        return sum(len(bilan.modifiees) for bilan in self.feuilles.values())

    @property
    def inchangees(self) -> int:
        return sum(bilan.inchangees for bilan in self.feuilles.values())

    def en_json(self) -> dict:
        """The report as JSON data, kept with the record of an import (``depuis_json``)."""
        return {
            "simulation": self.simulation,
            "feuilles": [
                {
                    "feuille": bilan.feuille,
                    "creees": bilan.creees,
                    "modifiees": [[m.ligne, m.cle, list(m.colonnes)] for m in bilan.modifiees],
                    "inchangees": bilan.inchangees,
                }
                for bilan in self.feuilles.values()
            ],
            "erreurs": [[e.message, e.feuille, e.ligne, e.colonne, e.valeur] for e in self.erreurs],
            "avertissements": list(self.avertissements),
            "erreurs_tronquees": self.erreurs_tronquees,
        }

    @classmethod
    def depuis_json(cls, donnees: dict) -> "Rapport":
        rapport = cls(
            simulation=donnees.get("simulation", False),
            erreurs=[Erreur(*erreur) for erreur in donnees.get("erreurs", [])],
            avertissements=list(donnees.get("avertissements", [])),
            erreurs_tronquees=donnees.get("erreurs_tronquees", False),
        )
        for bilan in donnees.get("feuilles", []):
            rapport.feuilles[bilan["feuille"]] = BilanFeuille(
                bilan["feuille"],
                bilan["creees"],
                [
                    Modification(ligne, cle, tuple(colonnes))
                    for ligne, cle, colonnes in bilan["modifiees"]
                ],
                bilan["inchangees"],
            )
        return rapport

    @property
    def conclusion(self) -> str:
        if self.refuse:
            nombre = len(self.erreurs)
            pluriel = "s" if nombre > 1 else ""
            plus = " (au moins)" if self.erreurs_tronquees else ""
            return (
                f"Import refusé : {nombre} erreur{pluriel}{plus}. Rien n'a été enregistré ; "
                "corrigez le classeur puis importez-le à nouveau."
            )
        if self.simulation:
            return "Simulation réussie : le classeur peut être importé. Rien n'a été enregistré."
        return "Import réussi : le classeur a été enregistré."

    def texte(self) -> str:
        """The report as the commands print it."""
        lignes = [self.conclusion]
        # A refused import wrote nothing: its counts would only mislead.
        if self.feuilles and not self.refuse:
            lignes += ["", f"{'Feuille':<14} {'créées':>8} {'modifiées':>10} {'inchangées':>11}"]
            for bilan in self.feuilles.values():
                lignes.append(
                    f"{bilan.feuille:<14} {bilan.creees:>8} {len(bilan.modifiees):>10} "
                    f"{bilan.inchangees:>11}"
                )
            modifications = [
                f"  {bilan.feuille}, ligne {m.ligne} ({m.cle}) : {', '.join(m.colonnes)}"
                for bilan in self.feuilles.values()
                for m in bilan.modifiees
            ]
            if modifications:
                lignes += ["", "Lignes modifiées (colonnes changées) :", *modifications]
        if self.avertissements:
            lignes += ["", "Avertissements :", *(f"  {a}" for a in self.avertissements)]
        if self.erreurs:
            lignes += ["", "Erreurs :", *(f"  {erreur}" for erreur in self.erreurs)]
            if self.erreurs_tronquees:
                lignes.append(
                    "  … la vérification s'est arrêtée là : corrigez ces erreurs, d'autres "
                    "peuvent suivre."
                )
        return "\n".join(lignes)
