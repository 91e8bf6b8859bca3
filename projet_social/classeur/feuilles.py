"""The shape of the whole-plan workbook: its sheets, their columns, their keys, and the rows an
export writes in them.

One sheet per kind of row. Each row is identified by its **key**, made of the numbers and
names users read, never of database ids: an axe by its number, an objective by its code
"2.3", an action by its code "2.3.1", a partner by its name, an indicator or a step by its
action's code and its libellé, a budget line by action, année, nature and libellé, an
evaluation by the year of its review and its action, a measure by evaluation and indicator,
an ABS need by its thématique. Texts of keys are compared without case or accents.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch

from actions.enums import (
    NatureBudget,
    Priorite,
    RolePartenaire,
    SensIndicateur,
    StatutAction,
    TypeIndicateur,
    TypePartenaire,
)
from actions.models import (
    ORDRE_CODE,
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
)
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from evaluations.enums import Appreciation
from evaluations.models import Evaluation, Mesure
from projet_social.classeur.cellules import (
    Choix,
    Code,
    Date,
    Entier,
    Liste,
    Nombre,
    OuiNon,
    Texte,
    TypeDeCellule,
    normaliser,
)

# Reading stays bounded: a larger file or a longer sheet is refused before any work.
LIGNES_MAX = 20_000


def taille_max_import() -> int:
    """The largest file an import reads, in bytes (setting IMPORT_TAILLE_MAX, default 10 Mo)."""
    return int(getattr(settings, "IMPORT_TAILLE_MAX", 10 * 1024 * 1024))


# Headers used by several sheets.
CODE = "Code"
ACTION = "Action"
ANNEE = "Année"
ANNEE_BILAN = "Année du bilan"
LIBELLE = "Libellé"
INTITULE = "Intitulé"
DESCRIPTION = "Description"
NOM = "Nom"


@dataclass(frozen=True)
class Colonne:
    entete: str
    type: TypeDeCellule
    aide: str
    obligatoire: bool = False
    largeur: int = 16
    # The sheet whose first column lists this column's values (a drop-down that warns only).
    renvoi: str | None = None


@dataclass(frozen=True)
class Feuille:
    nom: str
    description: str
    colonnes: tuple[Colonne, ...]
    cle: tuple[str, ...]
    # The rows an export writes, {header: value} in the types of the columns.
    lignes: Callable[[ProjetSocial], Iterable[dict]]

    @property
    def entetes(self) -> list[str]:
        return [colonne.entete for colonne in self.colonnes]

    def cellules(self, ligne: dict) -> list:
        """A row of ``lignes`` as the cells a workbook holds, in the order of the columns."""
        return [colonne.type.ecrire(ligne.get(colonne.entete)) for colonne in self.colonnes]

    @property
    def colonnes_de_cle(self) -> list[Colonne]:
        par_entete = {colonne.entete: colonne for colonne in self.colonnes}
        return [par_entete[entete] for entete in self.cle]


def _texte(entete: str, aide: str, attendu: str = "Texte libre.", **kwargs) -> Colonne:
    return Colonne(entete, Texte(attendu), aide, **kwargs)


CODE_ACTION = Code(3, "de l'action")
TEXTE_LONG = 40


def code_action(action: Action) -> tuple[int, int, int]:
    """(2, 3, 1) for the action "2.3.1" (its objective and axe selected)."""
    return (action.objectif.axe.numero, action.objectif.numero, action.numero)


def _colonne_action(aide: str = "Code de l'action, par exemple « 2.3.1 ».") -> Colonne:
    return Colonne(ACTION, CODE_ACTION, aide, obligatoire=True, largeur=10, renvoi="Actions")


def _par_nom(noms: Iterable[str]) -> list[str]:
    """Names in the order a French reader expects, whatever the case and accents."""
    return sorted(noms, key=lambda nom: (normaliser(nom), nom))


# --- Axes -------------------------------------------------------------------------------------


def _lignes_axes(projet: ProjetSocial) -> Iterable[dict]:
    for axe in Axe.objects.du_projet(projet).order_by("numero", "pk"):
        yield {
            "Numéro": axe.numero,
            INTITULE: axe.intitule,
            DESCRIPTION: axe.description,
            "Couleur": axe.couleur,
        }


AXES = Feuille(
    "Axes",
    "Les axes stratégiques du projet social.",
    (
        Colonne(
            "Numéro",
            Entier(1, 32767, "Un nombre entier à partir de 1."),
            "Numéro de l'axe : il préfixe les codes de ses objectifs et actions (« 2.3.1 »).",
            obligatoire=True,
            largeur=10,
        ),
        _texte(INTITULE, "Intitulé de l'axe.", obligatoire=True, largeur=TEXTE_LONG),
        _texte(DESCRIPTION, "Description de l'axe.", largeur=TEXTE_LONG),
        _texte(
            "Couleur",
            "Couleur de l'axe dans les graphiques.",
            "Une couleur au format #rrggbb, par exemple #1f6f8b (vide : #1f6f8b).",
            largeur=12,
        ),
    ),
    ("Numéro",),
    _lignes_axes,
)

# --- Objectifs --------------------------------------------------------------------------------


def _lignes_objectifs(projet: ProjetSocial) -> Iterable[dict]:
    objectifs = Objectif.objects.du_projet(projet).select_related("axe")
    for objectif in objectifs.order_by("axe__numero", "numero", "pk"):
        yield {
            CODE: (objectif.axe.numero, objectif.numero),
            "Axe": objectif.axe.numero,
            INTITULE: objectif.intitule,
            DESCRIPTION: objectif.description,
        }


OBJECTIFS = Feuille(
    "Objectifs",
    "Les objectifs opérationnels, rangés sous leur axe.",
    (
        Colonne(
            CODE,
            Code(2, "de l'objectif"),
            "Code de l'objectif : numéro de l'axe, point, numéro de l'objectif (« 2.3 »).",
            obligatoire=True,
            largeur=10,
        ),
        Colonne(
            "Axe",
            Entier(1, 32767, "Le numéro d'un axe de la feuille « Axes »."),
            "Numéro de l'axe ; facultatif, il doit alors être le premier nombre du code.",
            largeur=8,
            renvoi="Axes",
        ),
        _texte(INTITULE, "Intitulé de l'objectif.", obligatoire=True, largeur=TEXTE_LONG),
        _texte(DESCRIPTION, "Description de l'objectif.", largeur=TEXTE_LONG),
    ),
    (CODE,),
    _lignes_objectifs,
)

# --- Actions ----------------------------------------------------------------------------------

PARTENAIRES_DE_L_ACTION = "Partenaires (rôle)"
PUBLICS = "Publics cibles"
BESOINS = "Besoins ABS"
PILOTE = "Pilote (identifiant)"
ELU_COMPTE = "Élu référent (identifiant)"

# Text fields of a fiche: (header, field, help).
TEXTES_ACTION = (
    ("Constat et contexte", "constat", "Ce que l'ABS ou le terrain a montré."),
    ("Objectifs de l'action", "objectifs_action", "Ce que l'action veut obtenir."),
    (DESCRIPTION, "description", "Description de l'action."),
    ("Moyens humains", "moyens_humains", "Moyens humains mobilisés."),
    ("Moyens matériels", "moyens_materiels", "Moyens matériels mobilisés."),
    ("Supports de communication", "communication_supports", "Volet communication : supports."),
    ("Messages clés", "communication_messages", "Volet communication : messages."),
    (
        "Volet partenariat et travail en réseau",
        "partenariat_reseau",
        "Volet partenariat et réseau.",
    ),
    ("Motif de l'abandon", "motif_abandon", "Obligatoire quand le statut est « Abandonnée »."),
)


def _lignes_actions(projet: ProjetSocial) -> Iterable[dict]:
    actions = (
        Action.objects.du_projet(projet)
        .select_related("objectif__axe", "pilote", "elu_referent_compte")
        .prefetch_related(
            "publics",
            "besoins",
            Prefetch(
                "participations", queryset=ActionPartenaire.objects.select_related("partenaire")
            ),
        )
        .order_by(*ORDRE_CODE)
    )
    roles = dict(RolePartenaire.choices)
    for action in actions:
        partenaires = {
            p.partenaire.nom: f"{p.partenaire.nom} ({roles[p.role]})"
            for p in action.participations.all()
        }
        ligne = {
            CODE: code_action(action),
            "Objectif": (action.objectif.axe.numero, action.objectif.numero),
            INTITULE: action.intitule,
            "Statut": action.statut,
            "Priorité": action.priorite,
            "Date de début": action.date_debut,
            "Échéance": action.echeance,
            "Récurrente": action.recurrente,
            PILOTE: action.pilote.get_username() if action.pilote else "",
            "Service pilote": action.service_pilote,
            "Élu référent": action.elu_referent,
            ELU_COMPTE: (
                action.elu_referent_compte.get_username() if action.elu_referent_compte else ""
            ),
            PARTENAIRES_DE_L_ACTION: [partenaires[nom] for nom in _par_nom(partenaires)],
            PUBLICS: _par_nom(public.libelle for public in action.publics.all()),
            BESOINS: _par_nom(besoin.thematique for besoin in action.besoins.all()),
        }
        for entete, champ, _ in TEXTES_ACTION:
            ligne[entete] = getattr(action, champ)
        yield ligne


ACTIONS = Feuille(
    "Actions",
    "Les fiches action, une par ligne, identifiées par leur code « 2.3.1 ».",
    (
        Colonne(
            CODE,
            CODE_ACTION,
            "Code de l'action : axe, objectif, numéro de l'action (« 2.3.1 »).",
            obligatoire=True,
            largeur=10,
        ),
        Colonne(
            "Objectif",
            Code(2, "de l'objectif"),
            "Code de l'objectif (« 2.3 ») ; facultatif, il doit alors être le début du code de "
            "l'action. Pour changer une action d'objectif, utilisez « Déplacer » sur sa fiche.",
            largeur=10,
            renvoi="Objectifs",
        ),
        _texte(INTITULE, "Intitulé de la fiche action.", obligatoire=True, largeur=TEXTE_LONG),
        Colonne("Statut", Choix(StatutAction, StatutAction.A_LANCER), "Statut de l'action."),
        Colonne("Priorité", Choix(Priorite, Priorite.MOYENNE), "Priorité de l'action.", largeur=12),
        Colonne("Date de début", Date(), "Date de début de l'action.", largeur=13),
        Colonne("Échéance", Date(), "Échéance de l'action.", largeur=13),
        Colonne("Récurrente", OuiNon(), "L'action se répète chaque année.", largeur=12),
        _texte(
            PILOTE,
            "Le pilote de l'action, s'il a un compte ; vide : aucun.",
            "L'identifiant de connexion d'un compte de l'application.",
        ),
        _texte("Service pilote", "Service qui pilote l'action."),
        _texte("Élu référent", "Nom de l'élu référent, tel qu'il s'affiche."),
        _texte(
            ELU_COMPTE,
            "L'élu référent, s'il a un compte : la fiche figure alors dans ses « Mes actions ».",
            "L'identifiant de connexion d'un compte de l'application.",
        ),
        Colonne(
            PARTENAIRES_DE_L_ACTION,
            Liste(
                "Des noms de la feuille « Partenaires », séparés par « ; », chacun suivi de son "
                "rôle entre parenthèses (Co-pilote, Financeur, Contributeur, Relais ; sans rôle : "
                "Contributeur). Par exemple « CAF du Finistère (Financeur) ; Club des aînés "
                "(Relais) »."
            ),
            "Les partenaires de l'action : la liste remplace celle de la fiche.",
            largeur=TEXTE_LONG,
        ),
        Colonne(
            PUBLICS,
            Liste(
                "Des publics cibles séparés par « ; » ; un public absent de la liste de "
                "l'application y est ajouté."
            ),
            "Les publics cibles : la liste remplace celle de la fiche.",
            largeur=30,
        ),
        Colonne(
            BESOINS,
            Liste("Des thématiques de la feuille « Besoins ABS », séparées par « ; »."),
            "Les besoins de l'ABS auxquels l'action répond : la liste remplace celle de la fiche.",
            largeur=30,
        ),
        *(_texte(entete, aide, largeur=TEXTE_LONG) for entete, _, aide in TEXTES_ACTION),
    ),
    (CODE,),
    _lignes_actions,
)

# --- Partenaires ------------------------------------------------------------------------------


def _lignes_partenaires(projet: ProjetSocial) -> Iterable[dict]:
    partenaires = sorted(Partenaire.objects.all(), key=lambda p: (normaliser(p.nom), p.nom, p.pk))
    for partenaire in partenaires:
        yield {
            NOM: partenaire.nom,
            "Type": partenaire.type,
            "Contact": partenaire.contact,
            "Téléphone": partenaire.telephone,
            "Courriel": partenaire.email,
            "Site internet": partenaire.site,
        }


PARTENAIRES = Feuille(
    "Partenaires",
    "L'annuaire des partenaires, commun à toutes les actions (et à tous les projets sociaux).",
    (
        _texte(
            NOM,
            "Nom du partenaire ; il est reconnu sans tenir compte des majuscules ni des accents. "
            "Pour renommer un partenaire, faites-le dans l'application.",
            obligatoire=True,
            largeur=TEXTE_LONG,
        ),
        Colonne(
            "Type", Choix(TypePartenaire, TypePartenaire.AUTRE), "Type de partenaire.", largeur=18
        ),
        _texte("Contact", "Service ou fonction à joindre.", largeur=24),
        _texte("Téléphone", "Téléphone.", largeur=16),
        _texte("Courriel", "Adresse électronique.", "Une adresse électronique.", largeur=24),
        _texte(
            "Site internet",
            "Site du partenaire.",
            "Une adresse commençant par https://.",
            largeur=24,
        ),
    ),
    (NOM,),
    _lignes_partenaires,
)

# --- Indicateurs ------------------------------------------------------------------------------


def _du_projet(queryset, projet: ProjetSocial, chemin: str = "action__"):
    return queryset.filter(**{f"{chemin}objectif__axe__projet": projet}).select_related(
        f"{chemin}objectif__axe"
    )


def _ordre_action(chemin: str = "action__") -> list[str]:
    return [f"{chemin}{champ}" for champ in ORDRE_CODE[:3]]


def _lignes_indicateurs(projet: ProjetSocial) -> Iterable[dict]:
    indicateurs = _du_projet(Indicateur.objects, projet).order_by(*_ordre_action(), "pk")
    for indicateur in indicateurs:
        yield {
            ACTION: code_action(indicateur.action),
            LIBELLE: indicateur.libelle,
            "Type": indicateur.type,
            "Unité": indicateur.unite,
            "Valeur cible": indicateur.valeur_cible,
            "Sens": indicateur.sens,
            "Mode de calcul et source": indicateur.mode_calcul,
        }


INDICATEURS = Feuille(
    "Indicateurs",
    "Les indicateurs des actions, identifiés par le code de l'action et leur libellé.",
    (
        _colonne_action(),
        _texte(
            LIBELLE,
            "Libellé de l'indicateur ; avec le code de l'action, il identifie la ligne : "
            "un libellé changé crée un autre indicateur (renommez-le dans la fiche).",
            obligatoire=True,
            largeur=TEXTE_LONG,
        ),
        Colonne("Type", Choix(TypeIndicateur, TypeIndicateur.REALISATION), "Type d'indicateur."),
        _texte("Unité", "Unité de la valeur (personnes, %, €…).", largeur=12),
        Colonne("Valeur cible", Nombre(), "Valeur visée.", largeur=12),
        Colonne(
            "Sens",
            Choix(SensIndicateur, SensIndicateur.HAUSSE),
            "« Plus bas = mieux » pour un délai d'attente ou un nombre d'impayés.",
            largeur=18,
        ),
        _texte("Mode de calcul et source", "Comment la valeur est obtenue.", largeur=TEXTE_LONG),
    ),
    (ACTION, LIBELLE),
    _lignes_indicateurs,
)

# --- Étapes -----------------------------------------------------------------------------------


def _lignes_etapes(projet: ProjetSocial) -> Iterable[dict]:
    etapes = _du_projet(Etape.objects, projet).order_by(*_ordre_action(), "ordre", "echeance", "pk")
    for etape in etapes:
        yield {
            ACTION: code_action(etape.action),
            LIBELLE: etape.libelle,
            "Échéance": etape.echeance,
            "Faite": etape.faite,
            "Ordre": etape.ordre,
        }


ETAPES = Feuille(
    "Étapes",
    "Les étapes du calendrier des actions, identifiées par le code de l'action et leur libellé.",
    (
        _colonne_action(),
        _texte(LIBELLE, "Libellé de l'étape.", obligatoire=True, largeur=TEXTE_LONG),
        Colonne("Échéance", Date(), "Date prévue de l'étape.", largeur=13),
        Colonne("Faite", OuiNon(), "L'étape est faite.", largeur=8),
        Colonne(
            "Ordre",
            Entier(0, 32767, "Un nombre entier de 0 à 32767 (vide : 0).", defaut=0),
            "Rang de l'étape dans la fiche.",
            largeur=8,
        ),
    ),
    (ACTION, LIBELLE),
    _lignes_etapes,
)

# --- Budget -----------------------------------------------------------------------------------

ANNEE_TYPE = Entier(1900, 2100, "Une année, par exemple 2025.")


def _lignes_budget(projet: ProjetSocial) -> Iterable[dict]:
    lignes = (
        _du_projet(LigneBudget.objects, projet)
        .select_related("financeur")
        .order_by(*_ordre_action(), "annee", "nature", "pk")
    )
    for ligne in lignes:
        yield {
            ACTION: code_action(ligne.action),
            ANNEE: ligne.annee,
            "Nature": ligne.nature,
            LIBELLE: ligne.libelle,
            "Montant prévu (€)": ligne.montant_prevu,
            "Montant réalisé (€)": ligne.montant_realise,
            "Financeur": ligne.financeur.nom if ligne.financeur else "",
        }


BUDGET = Feuille(
    "Budget",
    "Les lignes de budget des actions, identifiées par action, année, nature et libellé.",
    (
        _colonne_action(),
        Colonne(ANNEE, ANNEE_TYPE, "Année budgétaire.", obligatoire=True, largeur=8),
        Colonne(
            "Nature", Choix(NatureBudget, NatureBudget.FONCTIONNEMENT), "Nature de la dépense."
        ),
        _texte(LIBELLE, "Libellé de la ligne (facultatif).", largeur=TEXTE_LONG),
        Colonne("Montant prévu (€)", Nombre(), "Montant prévu, en euros.", obligatoire=True),
        Colonne("Montant réalisé (€)", Nombre(), "Montant réalisé, en euros."),
        _texte(
            "Financeur",
            "Le partenaire qui finance la ligne ; vide quand le CCAS finance seul.",
            "Le nom d'un partenaire de la feuille « Partenaires ».",
            largeur=30,
            renvoi="Partenaires",
        ),
    ),
    (ACTION, ANNEE, "Nature", LIBELLE),
    _lignes_budget,
)

# --- Évaluations ------------------------------------------------------------------------------

# Text fields of an evaluation: (header, field, help).
TEXTES_EVALUATION = (
    ("Réalisé dans l'année", "realise", "Ce qui a été fait dans l'année."),
    ("Points forts", "points_forts", "Points forts."),
    ("Difficultés", "difficultes", "Difficultés rencontrées."),
    ("Réajustements proposés", "reajustements", "Réajustements proposés."),
)


def _evaluations_du_projet(projet: ProjetSocial):
    # A closed review's row whose fiche was deleted since has no action, hence no key: it
    # stays out of the workbook (the review's own page shows it).
    return Evaluation.objects.filter(campagne__projet=projet, action__isnull=False)


def _lignes_evaluations(projet: ProjetSocial) -> Iterable[dict]:
    evaluations = (
        _evaluations_du_projet(projet)
        .select_related("campagne", "action__objectif__axe")
        .order_by("campagne__annee", *_ordre_action(), "pk")
    )
    for evaluation in evaluations:
        ligne = {
            ANNEE_BILAN: evaluation.campagne.annee,
            ACTION: code_action(evaluation.action),
            "Statut": evaluation.statut,
            "Taux de réalisation (%)": evaluation.taux_realisation,
            "Appréciation": evaluation.appreciation,
            "Nouvelle échéance": evaluation.nouvelle_echeance,
        }
        for entete, champ, _ in TEXTES_EVALUATION:
            ligne[entete] = getattr(evaluation, champ)
        yield ligne


EVALUATIONS = Feuille(
    "Évaluations",
    "Les évaluations des bilans annuels, une par action et par bilan. Un bilan absent du "
    "projet social est créé (ouvert) pour une année de sa période ; les lignes d'un bilan clos "
    "ne peuvent plus changer.",
    (
        Colonne(
            ANNEE_BILAN,
            ANNEE_TYPE,
            "Année du bilan (de la période du projet social).",
            obligatoire=True,
            largeur=10,
        ),
        _colonne_action(),
        Colonne(
            "Statut",
            Choix(StatutAction, StatutAction.EN_COURS),
            "Statut de l'action à la date de l'évaluation.",
        ),
        Colonne(
            "Taux de réalisation (%)",
            Entier(
                0, 100, "Un nombre entier de 0 à 100 (vide : 0) ; 100 pour une action réalisée.", 0
            ),
            "Avancement de l'action.",
            largeur=12,
        ),
        Colonne(
            "Appréciation",
            Choix(Appreciation, "", "Vide : pas encore évaluée."),
            "Appréciation du bilan ; vide tant que l'action n'est pas évaluée.",
            largeur=20,
        ),
        *(_texte(entete, aide, largeur=TEXTE_LONG) for entete, _, aide in TEXTES_EVALUATION),
        Colonne("Nouvelle échéance", Date(), "Nouvelle échéance proposée.", largeur=13),
    ),
    (ANNEE_BILAN, ACTION),
    _lignes_evaluations,
)

# --- Mesures ----------------------------------------------------------------------------------


def _lignes_mesures(projet: ProjetSocial) -> Iterable[dict]:
    mesures = (
        Mesure.objects.filter(
            evaluation__campagne__projet=projet,
            evaluation__action__isnull=False,
            indicateur__isnull=False,
        )
        .select_related("evaluation__campagne", "evaluation__action__objectif__axe", "indicateur")
        .order_by(
            "evaluation__campagne__annee",
            *_ordre_action("evaluation__action__"),
            "indicateur",
            "pk",
        )
    )
    for mesure in mesures:
        yield {
            ANNEE_BILAN: mesure.evaluation.campagne.annee,
            ACTION: code_action(mesure.evaluation.action),
            "Indicateur": mesure.indicateur.libelle,
            "Valeur réalisée": mesure.valeur_realisee,
            "Commentaire": mesure.commentaire,
        }


MESURES = Feuille(
    "Mesures",
    "Les valeurs des indicateurs relevées à chaque bilan : une ligne par évaluation (feuille "
    "« Évaluations ») et par indicateur (feuille « Indicateurs ») de son action.",
    (
        Colonne(ANNEE_BILAN, ANNEE_TYPE, "Année du bilan.", obligatoire=True, largeur=10),
        _colonne_action(),
        _texte(
            "Indicateur",
            "L'indicateur mesuré.",
            "Le libellé d'un indicateur de l'action (feuille « Indicateurs »).",
            obligatoire=True,
            largeur=TEXTE_LONG,
        ),
        Colonne("Valeur réalisée", Nombre(), "Valeur relevée au bilan.", largeur=12),
        _texte("Commentaire", "Commentaire sur la valeur.", largeur=TEXTE_LONG),
    ),
    (ANNEE_BILAN, ACTION, "Indicateur"),
    _lignes_mesures,
)

# --- Besoins ABS ------------------------------------------------------------------------------


def _lignes_besoins(projet: ProjetSocial) -> Iterable[dict]:
    besoins = sorted(
        BesoinSocial.objects.du_projet(projet), key=lambda b: (normaliser(b.thematique), b.pk)
    )
    for besoin in besoins:
        yield {
            "Thématique": besoin.thematique,
            "Constat": besoin.constat,
            "Chiffre clé": besoin.chiffre_cle,
            "Source": besoin.source,
        }


BESOINS_ABS = Feuille(
    "Besoins ABS",
    "Les besoins sociaux relevés par l'analyse des besoins sociaux (ABS), identifiés par leur "
    "thématique ; la colonne « Besoins ABS » de la feuille « Actions » les relie aux actions.",
    (
        _texte("Thématique", "Thématique du besoin.", obligatoire=True, largeur=30),
        _texte("Constat", "Ce que l'ABS a constaté.", obligatoire=True, largeur=TEXTE_LONG),
        _texte("Chiffre clé", "Un chiffre qui l'illustre.", largeur=24),
        _texte("Source", "D'où vient le constat.", largeur=30),
    ),
    ("Thématique",),
    _lignes_besoins,
)

# The sheets in the workbook's order (the Lisez-moi comes first).
FEUILLES = (
    AXES,
    OBJECTIFS,
    ACTIONS,
    PARTENAIRES,
    INDICATEURS,
    ETAPES,
    BUDGET,
    EVALUATIONS,
    MESURES,
    BESOINS_ABS,
)
LISEZ_MOI = "Lisez-moi"
LISTES = "Listes"  # hidden: the values of the drop-down lists
