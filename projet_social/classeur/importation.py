"""Importing the whole-plan workbook: the inverse of ``exporter_classeur``.

``importer_classeur(fichier, projet, par, dry_run)`` reads the file (``lecture``), then, in ONE
transaction, takes the sheets in dependency order (partners, ABS needs, axes, objectives,
actions, then what hangs on actions, then the reviews) and each row by its key: a row whose
key exists is compared field by field and saved only when a value differs (reported with the
columns that changed), a new key creates a row. Nothing is deleted, except that the lists of
the Actions sheet (partners, publics, needs) replace those of the fiche.

Every row is checked as a form would: its cells parsed, its parents found (in the database or
earlier in the workbook), the model validated (``_valider``, ``full_clean`` less the queries
that cannot fail: lengths, choices, check constraints, with their French messages). Any error
and the whole transaction is rolled back: nothing is written. ``dry_run=True`` always rolls
back, so a view can call it once to preview the report and again, with ``dry_run=False``, to
confirm.

Saves go through ``save()`` (``save_versioned`` for the versioned models, so a form opened
during the import is refused rather than saved over it), and every history record says
"Import du classeur (feuille …, ligne …)", signed by ``par``.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.text import capfirst

import projet_social.classeur.feuilles as f
from actions.enums import RolePartenaire, StatutAction
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from evaluations.models import Campagne, Evaluation, Mesure
from projet_social.classeur.cellules import CelluleInvalide, Texte, normaliser, texte_lu
from projet_social.classeur.lecture import ClasseurRefuse, FeuilleLue, LigneLue, lire_fichier
from projet_social.classeur.rapport import Erreur, Modification, Rapport
from projet_social.versioning import ConflitDeVersion, VersionedModel

RAISON = "Import du classeur"
ERREURS_MAX = 100

# The column a constraint's error belongs to (the others are errors of the row).
COLONNE_DES_CONTRAINTES = {
    "actions_action_debut_avant_echeance": "Échéance",
    "actions_indicateur_valeur_cible_positive": "Valeur cible",
    "actions_lignebudget_montant_prevu_positif": "Montant prévu (€)",
    "actions_lignebudget_montant_realise_positif": "Montant réalisé (€)",
    "evaluations_evaluation_taux_0_100": "Taux de réalisation (%)",
    "evaluations_evaluation_realisee_100": "Taux de réalisation (%)",
}


def importer_classeur(
    fichier, projet: ProjetSocial | None, par=None, dry_run: bool = False, raison: str = RAISON
) -> Rapport:
    """Import the workbook ``fichier`` (bytes, a path or a file object) into ``projet``, as
    ``par`` (a user, or None); return the Rapport. All or nothing: see the module docstring.
    ``raison`` begins the change reason of every history record (the browser's import adds
    its number: « Import du classeur n° 12 »)."""
    rapport = Rapport(simulation=dry_run)
    _importer(fichier, projet, par, rapport, raison)
    rapport.erreurs.sort(key=_ordre_de_lecture)
    return rapport


def _importer(fichier, projet: ProjetSocial | None, par, rapport: Rapport, raison: str) -> None:
    try:
        lues, classeur_entier = lire_fichier(fichier, rapport)
    except ClasseurRefuse as refus:
        rapport.erreurs.append(Erreur(str(refus)))
        return
    if len(lues) < (len(f.FEUILLES) if classeur_entier else 1):
        return  # a sheet missing, or unreadable as a whole: nothing more to check
    if projet is None:
        rapport.erreurs.append(
            Erreur("Aucun projet social n'existe : créez-le avant d'importer son classeur.")
        )
        return
    try:
        with transaction.atomic():
            _Import(projet, par, rapport, raison).importer(lues)
            if rapport.refuse or rapport.simulation:
                raise _Annulation
    except _Annulation:
        pass


def _ordre_de_lecture(erreur: Erreur) -> tuple[int, int, int]:
    """Errors in the order a person reads the workbook: sheet, row, column."""
    rangs = {definition.nom: rang for rang, definition in enumerate(f.FEUILLES)}
    definition = f.FEUILLES[rangs[erreur.feuille]] if erreur.feuille in rangs else None
    colonnes = definition.entetes if definition else []
    return (
        rangs.get(erreur.feuille, -1),
        erreur.ligne or 0,
        colonnes.index(erreur.colonne) if erreur.colonne in colonnes else -1,
    )


class _Annulation(Exception):
    """Raised to roll the import's transaction back."""


class _ErreurLigne(Exception):
    """The row cannot be imported: [(column or None, message)]."""

    def __init__(self, erreurs: list[tuple[str | None, str]]) -> None:
        self.erreurs = erreurs
        super().__init__(erreurs)


def _erreur(colonne: str | None, message: str) -> _ErreurLigne:
    return _ErreurLigne([(colonne, message)])


class _Ignorer(Exception):
    """The row hangs on a row in error (already reported): skipped without a new error."""


class _Arret(Exception):
    """The import cannot go on (the database refused a row): stop, the report says why."""


def _valider(instance: models.Model) -> None:
    """``full_clean()`` less two kinds of queries that cannot fail here, one per row saved
    each: whether each foreign key exists (every one is set to an object just read or saved),
    and the unique constraints (rows are matched on those very keys, and the workbook's own
    duplicates refused; the database still enforces them). The check constraints (dates in
    order, amounts and rates within bounds) and the unique fields are validated."""
    cles_etrangeres = [champ.name for champ in instance._meta.concrete_fields if champ.is_relation]
    erreurs: dict = {}
    for etape in (lambda: instance.clean_fields(exclude=cles_etrangeres), instance.clean):
        try:
            etape()
        except ValidationError as erreur:
            erreurs = erreur.update_error_dict(erreurs)
    # As full_clean: uniqueness and constraints only on the fields that passed.
    exclus = {nom for nom in erreurs if nom != NON_FIELD_ERRORS}
    etapes = [instance.validate_unique] + [
        partial(contrainte.validate, type(instance), instance)
        for contrainte in instance._meta.constraints
        if isinstance(contrainte, models.CheckConstraint)
    ]
    for etape in etapes:
        try:
            etape(exclude=exclus)
        except ValidationError as erreur:
            erreurs = erreur.update_error_dict(erreurs)
    if erreurs:
        raise ValidationError(erreurs)


def _texte_de_cle(valeur: Any) -> str:
    if isinstance(valeur, tuple):
        return ".".join(str(n) for n in valeur)
    return str(valeur)


def _egal(instance: models.Model, attribut: str, valeur: Any) -> bool:
    champ = instance._meta.get_field(attribut)
    ancien = getattr(instance, champ.attname)
    if champ.is_relation:
        return ancien == (valeur.pk if valeur is not None else None)
    if isinstance(ancien, str) or isinstance(valeur, str):
        # Stripped as cells are read; a browser's CR LF line ends read as LF.
        return (ancien or "").replace("\r\n", "\n").strip() == (valeur or "").replace(
            "\r\n", "\n"
        ).strip()
    return ancien == valeur


class _Lien:
    """A list of the Actions sheet that replaces the fiche's (partners, publics, needs)."""

    entete: str

    def change(self, action: Action) -> bool:
        raise NotImplementedError

    def appliquer(self, action: Action, raison: str, par) -> None:
        raise NotImplementedError


class _Ensemble(_Lien):
    def __init__(self, entete: str, nom: str, cibles: list[models.Model]) -> None:
        self.entete, self.nom, self.cibles = entete, nom, cibles

    def change(self, action: Action) -> bool:
        if action.pk is None:
            return bool(self.cibles)
        actuels = {objet.pk for objet in getattr(action, self.nom).all()}
        return actuels != {cible.pk for cible in self.cibles}

    def appliquer(self, action: Action, raison: str, par) -> None:
        getattr(action, self.nom).set(self.cibles)


class _Participations(_Lien):
    entete = f.PARTENAIRES_DE_L_ACTION

    def __init__(self, roles: dict[Partenaire, str]) -> None:
        self.roles = {partenaire.pk: role for partenaire, role in roles.items()}

    def _actuelles(self, action: Action) -> dict[int, ActionPartenaire]:
        if action.pk is None:
            return {}
        return {p.partenaire_id: p for p in action.participations.all()}

    def change(self, action: Action) -> bool:
        actuelles = self._actuelles(action)
        return {pk: p.role for pk, p in actuelles.items()} != self.roles

    def appliquer(self, action: Action, raison: str, par) -> None:
        actuelles = self._actuelles(action)
        for pk, participation in actuelles.items():
            if pk not in self.roles:
                _signer(participation, raison, par)
                participation.delete()
        for pk, role in self.roles.items():
            participation = actuelles.get(pk) or ActionPartenaire(action=action, partenaire_id=pk)
            if participation.pk is None or participation.role != role:
                participation.role = role
                _signer(participation, raison, par)
                participation.save()


def _signer(objet: models.Model, raison: str, par) -> None:
    """What the history records of the next save of ``objet`` say: why, and who."""
    objet._change_reason = raison
    if par is not None:
        objet._history_user = par


class _Import:
    def __init__(self, projet: ProjetSocial, par, rapport: Rapport, raison: str) -> None:
        self.projet = projet
        self.par = par
        self.raison = raison
        self.rapport = rapport
        # Keys of the rows in error, per sheet: the rows hanging on them are skipped.
        self.invalides: dict[str, set] = defaultdict(set)
        self.feuille: f.Feuille | None = None
        self.ligne: LigneLue | None = None

    # --- The loop -----------------------------------------------------------------------

    def importer(self, lues: dict[str, FeuilleLue]) -> None:
        self._charger()
        for definition in f.FEUILLES:
            if definition.nom in lues:  # a CSV holds one sheet
                self.rapport.bilan(definition.nom)
        ordre: tuple[tuple[f.Feuille, Callable], ...] = (
            (f.PARTENAIRES, self._ligne_partenaire),
            (f.BESOINS_ABS, self._ligne_besoin),
            (f.AXES, self._ligne_axe),
            (f.OBJECTIFS, self._ligne_objectif),
            (f.ACTIONS, self._ligne_action),
            (f.INDICATEURS, self._ligne_indicateur),
            (f.ETAPES, self._ligne_etape),
            (f.BUDGET, self._ligne_budget),
            (f.EVALUATIONS, self._ligne_evaluation),
            (f.MESURES, self._ligne_mesure),
        )
        try:
            for definition, traiter in ordre:
                if definition.nom in lues and not self._feuille(lues[definition.nom], traiter):
                    return
        except _Arret:
            self.rapport.erreurs_tronquees = True

    def _feuille(self, lue: FeuilleLue, traiter: Callable) -> bool:
        """Import the rows of one sheet; False when the error limit is reached."""
        definition = self.feuille = lue.definition
        vues: dict[tuple, int] = {}
        for ligne in lue.lignes:
            if len(self.rapport.erreurs) >= ERREURS_MAX:
                self.rapport.erreurs_tronquees = True
                return False
            self.ligne = ligne
            valeurs, cle = self._lire(ligne)
            if cle is not None and cle in vues:
                cellules = ", ".join(f"« {c} »" for c in definition.cle)
                self._signaler(
                    definition.cle[0],
                    f"ligne en double : la ligne {vues[cle]} a déjà cette clé ({cellules}).",
                )
                continue
            if cle is not None:
                vues[cle] = ligne.numero
            if valeurs is None:
                if cle is not None:
                    self.invalides[definition.nom].add(cle)
                continue
            try:
                traiter(valeurs)
            except _ErreurLigne as erreur:
                for colonne, message in erreur.erreurs:
                    self._signaler(colonne, message)
                self.invalides[definition.nom].add(cle)
            except _Ignorer:
                self.invalides[definition.nom].add(cle)
        return True

    def _lire(self, ligne: LigneLue) -> tuple[dict | None, tuple | None]:
        """The row's values in the types of its columns (None when a cell is invalid) and its
        key (None when a cell of the key is invalid or empty)."""
        valeurs: dict[str, Any] = {}
        valide = not ligne.illisibles
        for colonne in self.feuille.colonnes:
            if colonne.entete in ligne.illisibles:
                continue
            brute = ligne.cellules.get(colonne.entete)
            try:
                valeur = colonne.type.lire(brute)
            except CelluleInvalide as erreur:
                self._signaler(colonne.entete, str(erreur))
                valide = False
                continue
            if colonne.obligatoire and valeur in (None, "", []):
                attendu = colonne.type.attendu[:1].lower() + colonne.type.attendu[1:]
                self._signaler(
                    colonne.entete,
                    "cellule obligatoire, elle est vide"
                    + ("." if isinstance(colonne.type, Texte) else f" ; attendu : {attendu}"),
                )
                valide = False
            valeurs[colonne.entete] = valeur
        cle = []
        for colonne in self.feuille.colonnes_de_cle:
            partie = valeurs.get(colonne.entete)
            if partie is None or (partie == "" and colonne.obligatoire):
                cle = None
                break
            cle.append(normaliser(partie) if isinstance(partie, str) else partie)
        return (valeurs if valide else None), (tuple(cle) if cle is not None else None)

    def _signaler(self, colonne: str | None, message: str) -> None:
        valeur = None
        if colonne is not None:
            brute = self.ligne.cellules.get(colonne)
            valeur = texte_lu(brute) if brute is not None else ""
        self.rapport.erreurs.append(
            Erreur(message, self.feuille.nom, self.ligne.numero, colonne, valeur)
        )

    # --- Writing a row ------------------------------------------------------------------

    def _ecrire(
        self,
        instance: models.Model,
        champs: list[tuple[str, str, Any]],
        cle: str,
        *,
        liens: tuple[_Lien, ...] = (),
        autres: dict[str, str] | None = None,
        fige: str | None = None,
        en_plus: dict[str, Any] | None = None,
    ) -> None:
        """Create ``instance``, or save the ``champs`` (header, attribute, value) that differ
        from it; count the row in the report. ``autres``: {attribute: header} for the errors
        of attributes set by the key; ``fige``: why the row may not change (a closed review);
        ``en_plus``: attributes set when the row is written (who changed it)."""
        bilan = self.rapport.bilan(self.feuille.nom)
        creation = instance.pk is None
        changees = [
            (entete, attribut, valeur)
            for entete, attribut, valeur in champs
            if creation or not _egal(instance, attribut, valeur)
        ]
        liens_changes = [lien for lien in liens if lien.change(instance)]
        if not creation and not changees and not liens_changes:
            bilan.inchangees += 1
            return
        if fige:
            raise _erreur(self.feuille.cle[0], fige)
        for _, attribut, valeur in changees:
            setattr(instance, attribut, valeur)
        for attribut, valeur in (en_plus or {}).items():
            setattr(instance, attribut, valeur)
        colonnes = {attribut: entete for entete, attribut, _ in champs} | (autres or {})
        try:
            _valider(instance)
        except ValidationError as erreur:
            raise _ErreurLigne(self._erreurs_du_modele(instance, erreur, colonnes)) from None
        raison = f"{self.raison} (feuille « {self.feuille.nom} », ligne {self.ligne.numero})"
        _signer(instance, raison, self.par)
        try:
            if creation or not isinstance(instance, VersionedModel):
                instance.save()
            else:
                instance.save_versioned(instance.version)
            for lien in liens_changes:
                lien.appliquer(instance, raison, self.par)
        except ConflitDeVersion:
            raise _erreur(
                None,
                "cette ligne a été modifiée dans l'application pendant l'import : importez le "
                "classeur à nouveau.",
            ) from None
        except DatabaseError:
            # Validation checks what the database does, so this is rare: no savepoint per
            # row to go on after it (PostgreSQL refuses any query after a failed one), the
            # import stops here.
            self._signaler(
                None,
                "la base de données a refusé cette ligne (une valeur en double ou trop longue ?) "
                ": vérifiez-la. La vérification s'est arrêtée là.",
            )
            raise _Arret from None
        if creation:
            bilan.creees += 1
        else:
            colonnes_changees = [entete for entete, _, _ in changees]
            colonnes_changees += [lien.entete for lien in liens_changes]
            bilan.modifiees.append(
                Modification(self.ligne.numero, cle, tuple(dict.fromkeys(colonnes_changees)))
            )

    def _erreurs_du_modele(self, instance, erreur: ValidationError, colonnes: dict) -> list:
        erreurs = []
        for attribut, messages in erreur.message_dict.items():
            for message in messages:
                if attribut == NON_FIELD_ERRORS:
                    colonne = self._colonne_de_contrainte(type(instance), message)
                else:
                    colonne = colonnes.get(attribut)
                    if colonne is None:
                        nom = capfirst(instance._meta.get_field(attribut).verbose_name)
                        message = f"{nom} : {message}"
                erreurs.append((colonne, message))
        return erreurs

    @staticmethod
    def _colonne_de_contrainte(model: type[models.Model], message: str) -> str | None:
        for contrainte in model._meta.constraints:
            if str(contrainte.get_violation_error_message()) == message:
                return COLONNE_DES_CONTRAINTES.get(contrainte.name)
        return None

    # --- What the database holds, read once ----------------------------------------------

    def _charger(self) -> None:
        projet = self.projet
        self.partenaires: dict[str, list[Partenaire]] = defaultdict(list)
        for partenaire in Partenaire.objects.order_by("pk"):
            self.partenaires[normaliser(partenaire.nom)].append(partenaire)
        self.publics = {}
        for public in PublicCible.objects.order_by("pk"):
            self.publics.setdefault(normaliser(public.libelle), public)
        self.besoins = {}
        for besoin in BesoinSocial.objects.du_projet(projet).order_by("pk"):
            self.besoins.setdefault(normaliser(besoin.thematique), besoin)
        self.axes = {axe.numero: axe for axe in Axe.objects.du_projet(projet)}
        self.objectifs = {
            (o.axe.numero, o.numero): o
            for o in Objectif.objects.du_projet(projet).select_related("axe")
        }
        actions = (
            Action.objects.du_projet(projet)
            .select_related("objectif__axe", "pilote", "elu_referent_compte")
            .prefetch_related("publics", "besoins", "participations")
        )
        self.actions = {f.code_action(action): action for action in actions}
        # The accounts the fiches name already, by login (others are read when named).
        self.comptes: dict[str, Any] = {
            compte.get_username(): compte
            for action in self.actions.values()
            for compte in (action.pilote, action.elu_referent_compte)
            if compte is not None
        }
        self.indicateurs: dict[tuple, Indicateur] = {}
        for indicateur in Indicateur.objects.filter(action__objectif__axe__projet=projet).order_by(
            "pk"
        ):
            cle = (indicateur.action_id, normaliser(indicateur.libelle))
            self.indicateurs.setdefault(cle, indicateur)
        self.etapes: dict[tuple, Etape] = {}
        for etape in Etape.objects.filter(action__objectif__axe__projet=projet).order_by("pk"):
            self.etapes.setdefault((etape.action_id, normaliser(etape.libelle)), etape)
        self.lignes_budget: dict[tuple, LigneBudget] = {}
        lignes = LigneBudget.objects.filter(action__objectif__axe__projet=projet).order_by("pk")
        for ligne in lignes:
            cle = (ligne.action_id, ligne.annee, ligne.nature, normaliser(ligne.libelle))
            self.lignes_budget.setdefault(cle, ligne)
        self.campagnes = {c.annee: c for c in Campagne.objects.du_projet(projet)}
        self.evaluations = {
            (e.campagne_id, e.action_id): e
            for e in Evaluation.objects.filter(campagne__projet=projet, action__isnull=False)
        }
        self.mesures = {
            (m.evaluation_id, m.indicateur_id): m
            for m in Mesure.objects.filter(
                evaluation__campagne__projet=projet, indicateur__isnull=False
            )
        }

    # --- Finding what a row names --------------------------------------------------------

    def _partenaire(self, nom: str, colonne: str) -> Partenaire:
        candidats = self.partenaires.get(normaliser(nom), [])
        exact = [p for p in candidats if p.nom == nom]
        if len(exact) == 1 or len(candidats) == 1:
            return (exact or candidats)[0]
        if candidats:
            noms = ", ".join(f"« {p.nom} »" for p in candidats)
            raise _erreur(
                colonne,
                f"plusieurs partenaires portent ce nom aux majuscules ou aux accents près "
                f"({noms}) : écrivez-le exactement, ou fusionnez les doublons.",
            )
        if (normaliser(nom),) in self.invalides[f.PARTENAIRES.nom]:
            raise _Ignorer
        raise _erreur(
            colonne,
            f"partenaire « {nom} » inconnu : ajoutez-le dans la feuille « Partenaires » ou "
            "corrigez son nom.",
        )

    def _compte(self, identifiant: str, colonne: str):
        if not identifiant:
            return None
        if identifiant not in self.comptes:
            modele = get_user_model()
            compte = modele._default_manager.filter(**{modele.USERNAME_FIELD: identifiant}).first()
            if compte is None:
                raise _erreur(
                    colonne,
                    f"aucun compte n'a l'identifiant « {identifiant} » : créez le compte "
                    "d'abord, ou videz la cellule.",
                )
            self.comptes[identifiant] = compte
        return self.comptes[identifiant]

    def _action_de(self, code: tuple[int, int, int], colonne: str = f.ACTION) -> Action:
        action = self.actions.get(code)
        if action is not None:
            return action
        if (code,) in self.invalides[f.ACTIONS.nom]:
            raise _Ignorer
        raise _erreur(
            colonne,
            f"l'action {_texte_de_cle(code)} n'existe pas : ajoutez-la dans la feuille "
            "« Actions ».",
        )

    # --- The sheets, in the order they are imported ---------------------------------------

    def _ligne_partenaire(self, v: dict) -> None:
        nom = v[f.NOM]
        cle = normaliser(nom)
        candidats = self.partenaires.get(cle, [])
        partenaire = self._partenaire(nom, f.NOM) if candidats else Partenaire(nom=nom)
        champs = [
            ("Type", "type", v["Type"]),
            ("Contact", "contact", v["Contact"]),
            ("Téléphone", "telephone", v["Téléphone"]),
            ("Courriel", "email", v["Courriel"]),
            ("Site internet", "site", v["Site internet"]),
        ]
        if partenaire.pk is None:
            # The name is the key: an existing partner keeps its spelling (rename it in the
            # application).
            champs.insert(0, (f.NOM, "nom", nom))
        self._ecrire(partenaire, champs, partenaire.nom)
        if not candidats:
            self.partenaires[cle].append(partenaire)

    def _ligne_besoin(self, v: dict) -> None:
        thematique = v["Thématique"]
        besoin = self.besoins.get(normaliser(thematique)) or BesoinSocial(
            projet=self.projet, thematique=thematique
        )
        champs = [
            ("Constat", "constat", v["Constat"]),
            ("Chiffre clé", "chiffre_cle", v["Chiffre clé"]),
            ("Source", "source", v["Source"]),
        ]
        if besoin.pk is None:
            champs.insert(0, ("Thématique", "thematique", thematique))
        self._ecrire(besoin, champs, besoin.thematique)
        self.besoins.setdefault(normaliser(thematique), besoin)

    def _ligne_axe(self, v: dict) -> None:
        numero = v["Numéro"]
        axe = self.axes.get(numero) or Axe(projet=self.projet, numero=numero)
        couleur = v["Couleur"].lower() or Axe._meta.get_field("couleur").get_default()
        champs = [
            (f.INTITULE, "intitule", v[f.INTITULE]),
            (f.DESCRIPTION, "description", v[f.DESCRIPTION]),
            ("Couleur", "couleur", couleur),
        ]
        self._ecrire(axe, champs, str(numero), autres={"numero": "Numéro"})
        self.axes[numero] = axe

    def _ligne_objectif(self, v: dict) -> None:
        numero_axe, numero = v[f.CODE]
        if v["Axe"] is not None and v["Axe"] != numero_axe:
            raise _erreur(
                "Axe",
                f"l'objectif {numero_axe}.{numero} appartient à l'axe {numero_axe}, premier "
                f"nombre de son code : corrigez le code ou l'axe.",
            )
        objectif = self.objectifs.get((numero_axe, numero))
        if objectif is None:
            axe = self.axes.get(numero_axe)
            if axe is None:
                if (numero_axe,) in self.invalides[f.AXES.nom]:
                    raise _Ignorer
                raise _erreur(
                    f.CODE,
                    f"l'axe {numero_axe} n'existe pas : ajoutez-le dans la feuille « Axes ».",
                )
            objectif = Objectif(axe=axe, numero=numero)
        champs = [
            (f.INTITULE, "intitule", v[f.INTITULE]),
            (f.DESCRIPTION, "description", v[f.DESCRIPTION]),
        ]
        self._ecrire(objectif, champs, objectif.code, autres={"numero": f.CODE, "axe": f.CODE})
        self.objectifs[(numero_axe, numero)] = objectif

    def _ligne_action(self, v: dict) -> None:
        code = v[f.CODE]
        code_objectif = code[:2]
        if v["Objectif"] is not None and v["Objectif"] != code_objectif:
            raise _erreur(
                "Objectif",
                f"l'action {_texte_de_cle(code)} appartient à l'objectif "
                f"{_texte_de_cle(code_objectif)}, début de son code : corrigez le code ou "
                "l'objectif. Pour changer une action d'objectif, utilisez « Déplacer » sur sa "
                "fiche.",
            )
        action = self.actions.get(code)
        if action is None:
            objectif = self.objectifs.get(code_objectif)
            if objectif is None:
                if (code_objectif,) in self.invalides[f.OBJECTIFS.nom]:
                    raise _Ignorer
                raise _erreur(
                    f.CODE,
                    f"l'objectif {_texte_de_cle(code_objectif)} n'existe pas : ajoutez-le dans "
                    "la feuille « Objectifs ».",
                )
            action = Action(objectif=objectif, numero=code[2], created_by=self.par)
        if v["Statut"] == StatutAction.ABANDONNEE and not v["Motif de l'abandon"]:
            raise _erreur(
                "Motif de l'abandon",
                "indiquez le motif de l'abandon : le statut de l'action est « Abandonnée ».",
            )
        erreurs = []
        comptes = {}
        for entete in (f.PILOTE, f.ELU_COMPTE):
            try:
                comptes[entete] = self._compte(v[entete], entete)
            except _ErreurLigne as erreur:
                erreurs += erreur.erreurs
        liens = []
        for lire in (self._participations, self._publics, self._besoins):
            try:
                liens.append(lire(v))
            except _ErreurLigne as erreur:
                erreurs += erreur.erreurs
        if erreurs:
            raise _ErreurLigne(erreurs)
        champs = [
            (f.INTITULE, "intitule", v[f.INTITULE]),
            ("Statut", "statut", v["Statut"]),
            ("Priorité", "priorite", v["Priorité"]),
            ("Date de début", "date_debut", v["Date de début"]),
            ("Échéance", "echeance", v["Échéance"]),
            ("Récurrente", "recurrente", v["Récurrente"]),
            (f.PILOTE, "pilote", comptes[f.PILOTE]),
            ("Service pilote", "service_pilote", v["Service pilote"]),
            ("Élu référent", "elu_referent", v["Élu référent"]),
            (f.ELU_COMPTE, "elu_referent_compte", comptes[f.ELU_COMPTE]),
            *((entete, champ, v[entete]) for entete, champ, _ in f.TEXTES_ACTION),
        ]
        self._ecrire(
            action,
            champs,
            _texte_de_cle(code),
            liens=tuple(liens),
            autres={"numero": f.CODE, "objectif": f.CODE},
            en_plus={"updated_by": self.par},
        )
        self.actions[code] = action

    ROLE = re.compile(r"^(?P<nom>.*\S)\s*\((?P<role>[^()]*)\)$")

    def _participations(self, v: dict) -> _Participations:
        roles = {normaliser(valeur): valeur for valeur in RolePartenaire.values} | {
            normaliser(str(libelle)): valeur for valeur, libelle in RolePartenaire.choices
        }
        choisis: dict[Partenaire, str] = {}
        for element in v[f.PARTENAIRES_DE_L_ACTION]:
            nom, role = element, RolePartenaire.CONTRIBUTEUR
            morceaux = self.ROLE.match(element)
            if morceaux and normaliser(morceaux["role"]) in roles:
                nom, role = morceaux["nom"], roles[normaliser(morceaux["role"])]
            partenaire = self._partenaire(nom, f.PARTENAIRES_DE_L_ACTION)
            if partenaire in choisis:
                raise _erreur(
                    f.PARTENAIRES_DE_L_ACTION,
                    f"le partenaire « {partenaire.nom} » figure deux fois : gardez-le une fois, "
                    "avec un seul rôle.",
                )
            choisis[partenaire] = role
        return _Participations(choisis)

    def _publics(self, v: dict) -> _Ensemble:
        publics = []
        for libelle in v[f.PUBLICS]:
            public = self.publics.get(normaliser(libelle))
            if public is None:
                public = PublicCible.objects.create(libelle=libelle)
                self.publics[normaliser(libelle)] = public
                self.rapport.avertissements.append(
                    f"Public cible « {libelle} » ajouté à la liste des publics (feuille "
                    f"« {f.ACTIONS.nom} », ligne {self.ligne.numero})."
                )
            if public not in publics:
                publics.append(public)
        return _Ensemble(f.PUBLICS, "publics", publics)

    def _besoins(self, v: dict) -> _Ensemble:
        besoins, inconnus = [], []
        for thematique in v[f.BESOINS]:
            besoin = self.besoins.get(normaliser(thematique))
            if besoin is None:
                if (normaliser(thematique),) in self.invalides[f.BESOINS_ABS.nom]:
                    raise _Ignorer
                inconnus.append(thematique)
            elif besoin not in besoins:
                besoins.append(besoin)
        if inconnus:
            liste = ", ".join(f"« {thematique} »" for thematique in inconnus)
            raise _erreur(
                f.BESOINS,
                f"besoin(s) inconnu(s) : {liste}. Ajoutez-les dans la feuille « Besoins ABS » "
                "ou corrigez leur thématique.",
            )
        return _Ensemble(f.BESOINS, "besoins", besoins)

    def _ligne_indicateur(self, v: dict) -> None:
        action = self._action_de(v[f.ACTION])
        libelle = v[f.LIBELLE]
        cle = (action.pk, normaliser(libelle))
        indicateur = self.indicateurs.get(cle) or Indicateur(action=action, libelle=libelle)
        champs = [
            ("Type", "type", v["Type"]),
            ("Unité", "unite", v["Unité"]),
            ("Valeur cible", "valeur_cible", v["Valeur cible"]),
            ("Sens", "sens", v["Sens"]),
            ("Mode de calcul et source", "mode_calcul", v["Mode de calcul et source"]),
        ]
        if indicateur.pk is None:
            champs.insert(0, (f.LIBELLE, "libelle", libelle))
        self._ecrire(
            indicateur, champs, f"{action.code} · {indicateur.libelle}", autres={"action": f.ACTION}
        )
        self.indicateurs[cle] = indicateur

    def _ligne_etape(self, v: dict) -> None:
        action = self._action_de(v[f.ACTION])
        libelle = v[f.LIBELLE]
        cle = (action.pk, normaliser(libelle))
        etape = self.etapes.get(cle) or Etape(action=action, libelle=libelle)
        champs = [
            ("Échéance", "echeance", v["Échéance"]),
            ("Faite", "faite", v["Faite"]),
            ("Ordre", "ordre", v["Ordre"]),
        ]
        if etape.pk is None:
            champs.insert(0, (f.LIBELLE, "libelle", libelle))
        self._ecrire(etape, champs, f"{action.code} · {etape.libelle}", autres={"action": f.ACTION})
        self.etapes[cle] = etape

    def _ligne_budget(self, v: dict) -> None:
        action = self._action_de(v[f.ACTION])
        annee, nature, libelle = v[f.ANNEE], v["Nature"], v[f.LIBELLE]
        cle = (action.pk, annee, nature, normaliser(libelle))
        ligne = self.lignes_budget.get(cle) or LigneBudget(
            action=action, annee=annee, nature=nature, libelle=libelle
        )
        financeur = None
        if v["Financeur"]:
            financeur = self._partenaire(v["Financeur"], "Financeur")
        champs = [
            ("Montant prévu (€)", "montant_prevu", v["Montant prévu (€)"]),
            ("Montant réalisé (€)", "montant_realise", v["Montant réalisé (€)"]),
            ("Financeur", "financeur", financeur),
        ]
        if ligne.pk is None:
            champs[:0] = [(f.ANNEE, "annee", annee), ("Nature", "nature", nature)]
            champs.insert(2, (f.LIBELLE, "libelle", libelle))
        texte = f"{action.code} · {annee} · {ligne.get_nature_display()}"
        self._ecrire(
            ligne,
            champs,
            f"{texte} · {ligne.libelle}" if ligne.libelle else texte,
            autres={"action": f.ACTION},
        )
        self.lignes_budget[cle] = ligne

    def _campagne(self, annee: int) -> Campagne:
        """The review of ``annee``, created (open) when the projet has none."""
        campagne = self.campagnes.get(annee)
        if campagne is not None:
            return campagne
        projet = self.projet
        if not projet.annee_debut <= annee <= projet.annee_fin:
            raise _erreur(
                f.ANNEE_BILAN,
                f"l'année {annee} est hors de la période du projet social ({projet.annee_debut} "
                f"à {projet.annee_fin}) : aucun bilan ne peut l'évaluer.",
            )
        campagne = Campagne(projet=projet, annee=annee)
        _signer(campagne, f"{self.raison} (feuille « {f.EVALUATIONS.nom} »)", self.par)
        campagne.save()
        self.campagnes[annee] = campagne
        self.rapport.avertissements.append(
            f"{campagne} créé (ouvert) : le projet social n'avait pas de bilan {annee}."
        )
        return campagne

    @staticmethod
    def _fige(campagne: Campagne) -> str | None:
        if not campagne.est_close:
            return None
        return (
            f"le {campagne} est clos : ses évaluations et mesures ne peuvent plus changer "
            "(un administrateur peut le rouvrir)."
        )

    def _ligne_evaluation(self, v: dict) -> None:
        action = self._action_de(v[f.ACTION])
        campagne = self._campagne(v[f.ANNEE_BILAN])
        evaluation = self.evaluations.get((campagne.pk, action.pk)) or Evaluation(
            campagne=campagne, action=action, auteur=self.par
        )
        champs = [
            ("Statut", "statut", v["Statut"]),
            ("Taux de réalisation (%)", "taux_realisation", v["Taux de réalisation (%)"]),
            ("Appréciation", "appreciation", v["Appréciation"]),
            *((entete, champ, v[entete]) for entete, champ, _ in f.TEXTES_EVALUATION),
            ("Nouvelle échéance", "nouvelle_echeance", v["Nouvelle échéance"]),
        ]
        self._ecrire(
            evaluation,
            champs,
            f"{campagne.annee} · {action.code}",
            autres={"campagne": f.ANNEE_BILAN, "action": f.ACTION},
            fige=self._fige(campagne),
        )
        self.evaluations[(campagne.pk, action.pk)] = evaluation

    def _ligne_mesure(self, v: dict) -> None:
        code, annee = v[f.ACTION], v[f.ANNEE_BILAN]
        action = self._action_de(code)
        campagne = self.campagnes.get(annee)
        evaluation = self.evaluations.get((campagne.pk, action.pk)) if campagne else None
        if evaluation is None:
            if (annee, code) in self.invalides[f.EVALUATIONS.nom]:
                raise _Ignorer
            raise _erreur(
                f.ACTION,
                f"l'action {action.code} n'a pas d'évaluation au bilan {annee} : ajoutez-la dans "
                "la feuille « Évaluations ».",
            )
        libelle = v["Indicateur"]
        indicateur = self.indicateurs.get((action.pk, normaliser(libelle)))
        if indicateur is None:
            if (code, normaliser(libelle)) in self.invalides[f.INDICATEURS.nom]:
                raise _Ignorer
            raise _erreur(
                "Indicateur",
                f"l'action {action.code} n'a pas d'indicateur « {libelle} » : ajoutez-le dans la "
                "feuille « Indicateurs ».",
            )
        mesure = self.mesures.get((evaluation.pk, indicateur.pk)) or Mesure(
            evaluation=evaluation, indicateur=indicateur
        )
        champs = [
            ("Valeur réalisée", "valeur_realisee", v["Valeur réalisée"]),
            ("Commentaire", "commentaire", v["Commentaire"]),
        ]
        self._ecrire(
            mesure,
            champs,
            f"{annee} · {action.code} · {indicateur.libelle}",
            autres={"evaluation": f.ACTION, "indicateur": "Indicateur"},
            fige=self._fige(campagne),
        )
        self.mesures[(evaluation.pk, indicateur.pk)] = mesure
