"""The whole plan in one Excel workbook: its export, its empty template and its import.

- ``exporter_classeur(projet) -> bytes``: a Lisez-moi sheet, then one sheet per kind of row
  (Axes, Objectifs, Actions, Partenaires, Indicateurs, Étapes, Budget, Évaluations, Mesures,
  Besoins ABS; see ``feuilles``), choice columns as drop-down lists of their French labels;
- ``modele_classeur() -> bytes``: the same workbook without rows;
- ``exporter_feuille_csv(projet, feuille) -> bytes``: one sheet as CSV (UTF-8 with BOM, « ; »);
- ``importer_classeur(fichier, projet, par, dry_run=False) -> Rapport``: its exact inverse
  (a workbook, or one sheet as CSV, in UTF-8 or Windows-1252, « ; » or « , »),
  all or nothing, in one transaction (see ``importation``). A view previews with
  ``dry_run=True`` and confirms by calling it again with ``dry_run=False``;
- ``empreinte_du_plan(projet) -> str``: a hash of what an export would write, to tell
  whether the plan changed between a preview and its confirmation.

A roof module (tests/test_architecture.py): it gathers the three apps, none imports it.
"""

from projet_social.classeur.export import empreinte_du_plan, exporter_classeur, modele_classeur
from projet_social.classeur.importation import importer_classeur
from projet_social.classeur.rapport import Erreur, Rapport

__all__ = [
    "Erreur",
    "Rapport",
    "empreinte_du_plan",
    "exporter_classeur",
    "importer_classeur",
    "modele_classeur",
]
