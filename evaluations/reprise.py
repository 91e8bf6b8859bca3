"""The snapshot of a review closed before snapshots existed, rebuilt from the history: the
fiches and evaluations as they were at ``closed_at``, as the review's page showed them. Used
by the migration that introduced snapshots and by the demo loader (whose Bilan 2024 is loaded
closed, with back-dated history). Models come from ``apps`` (a migration's or the real ones)."""

from django.conf import settings
from django.db import models

from evaluations.models import besoin_fige
from projet_social.search import cle_de_tri

REALISEE, ABANDONNEE, CLOSE = "realisee", "abandonnee", "close"
CHAMPS_EVALUATION = (
    "statut",
    "taux_realisation",
    "appreciation",
    "realise",
    "points_forts",
    "difficultes",
    "reajustements",
    "nouvelle_echeance",
    "auteur_id",
)


def _au_moment(historique, moment):
    """The latest historical row of each object at ``moment``, deleted ones left out."""
    derniere = (
        historique.filter(id=models.OuterRef("id"), history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return historique.filter(history_id=models.Subquery(derniere)).exclude(history_type="-")


def figer_depuis_l_historique(apps, campagnes=None) -> None:
    """Write the snapshot of every review closed before snapshots existed, from the history
    (the fiches and evaluations as they were at ``closed_at``, as the review's page showed
    them), oldest review first so that a later one carries the earlier figures forward."""
    Campagne = apps.get_model("evaluations", "Campagne")
    Evaluation = apps.get_model("evaluations", "Evaluation")
    HistoricalEvaluation = apps.get_model("evaluations", "HistoricalEvaluation")
    Mesure = apps.get_model("evaluations", "Mesure")
    Reunion = apps.get_model("evaluations", "Reunion")
    ActionDecidee = apps.get_model("evaluations", "ActionDecidee")
    Action = apps.get_model("actions", "Action")
    HistoricalAction = apps.get_model("actions", "HistoricalAction")
    HistoricalIndicateur = apps.get_model("actions", "HistoricalIndicateur")
    Objectif = apps.get_model("axes", "Objectif")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))

    for campagne in Campagne.objects.order_by("projet_id", "annee", "pk"):
        if campagne.statut != CLOSE or (campagnes is not None and campagne.pk not in campagnes):
            continue
        moment = campagne.closed_at
        objectifs = {
            o.pk: o
            for o in Objectif.objects.filter(axe__projet_id=campagne.projet_id).select_related(
                "axe"
            )
        }
        fiches = [
            fiche
            for fiche in _au_moment(HistoricalAction.objects.all(), moment).order_by("id")
            if fiche.objectif_id in objectifs
        ]
        pilotes = {
            u.pk: u
            for u in User.objects.filter(pk__in={f.pilote_id for f in fiches if f.pilote_id})
        }
        existantes = set(
            Action.objects.filter(pk__in=[f.id for f in fiches]).values_list("pk", flat=True)
        )
        historiques = {
            h.action_id: h
            for h in _au_moment(
                HistoricalEvaluation.objects.filter(campagne_id=campagne.pk), moment
            )
        }
        actuelles = {e.pk: e for e in Evaluation.objects.filter(campagne=campagne)}
        nouvelles = set(
            ActionDecidee.objects.filter(campagne=campagne).values_list("action_id", flat=True)
        )
        anterieures = {}
        for e in (
            Evaluation.objects.filter(
                campagne__projet_id=campagne.projet_id, campagne__annee__lt=campagne.annee
            )
            .select_related("campagne")
            .order_by("campagne__annee", "pk")
        ):
            if e.campagne.statut == CLOSE and e.avancement_annee is not None:
                anterieures[e.action_id] = (e.avancement, e.avancement_annee)
            elif e.campagne.statut != CLOSE and e.appreciation:
                anterieures[e.action_id] = (e.taux_realisation, e.campagne.annee)
        for fiche in fiches:
            historique = historiques.get(fiche.id)
            action_id = fiche.id if fiche.id in existantes else None
            if historique is not None:
                evaluation = actuelles.get(historique.id) or Evaluation(
                    id=historique.id, campagne=campagne, created_at=historique.created_at
                )
                for champ in CHAMPS_EVALUATION:
                    setattr(evaluation, champ, getattr(historique, champ))
                if evaluation.statut == REALISEE:
                    evaluation.taux_realisation = 100
            else:
                evaluation = Evaluation(
                    campagne=campagne,
                    statut=fiche.statut,
                    taux_realisation=100 if fiche.statut == REALISEE else 0,
                )
            evaluation.action_id = action_id
            evaluee = bool(evaluation.appreciation)
            statut_bilan = evaluation.statut if evaluee else fiche.statut
            if statut_bilan == ABANDONNEE:
                avancement, annee = None, None
            elif evaluee:
                avancement, annee = evaluation.taux_realisation, campagne.annee
            elif statut_bilan == REALISEE:
                avancement, annee = 100, None
            else:
                avancement, annee = anterieures.get(fiche.id, (0, None))
            objectif = objectifs[fiche.objectif_id]
            pilote = pilotes.get(fiche.pilote_id)
            evaluation.numero_axe = objectif.axe.numero
            evaluation.intitule_axe = objectif.axe.intitule
            evaluation.couleur_axe = objectif.axe.couleur
            evaluation.numero_objectif = objectif.numero
            evaluation.intitule_objectif = objectif.intitule
            evaluation.numero_action = fiche.numero
            evaluation.intitule_action = fiche.intitule
            evaluation.pilote_nom = (
                (f"{pilote.first_name} {pilote.last_name}".strip() or pilote.username)
                if pilote
                else ""
            )
            evaluation.statut_fiche = fiche.statut
            evaluation.echeance_fiche = fiche.echeance
            evaluation.motif_abandon_fiche = fiche.motif_abandon
            evaluation.statut_bilan = statut_bilan
            evaluation.avancement = avancement
            evaluation.avancement_annee = annee
            evaluation.action_nouvelle = fiche.id in nouvelles
            evaluation.save()
        indicateurs = {h.id: h for h in _au_moment(HistoricalIndicateur.objects.all(), moment)}
        for mesure in Mesure.objects.filter(evaluation__campagne=campagne).select_related(
            "indicateur"
        ):
            indicateur = indicateurs.get(mesure.indicateur_id) or mesure.indicateur
            mesure.indicateur_libelle = indicateur.libelle
            mesure.indicateur_type = indicateur.type
            mesure.indicateur_unite = indicateur.unite
            mesure.indicateur_cible = indicateur.valeur_cible
            mesure.indicateur_sens = getattr(indicateur, "sens", "hausse") or "hausse"
            mesure.save()
        for reunion in Reunion.objects.filter(campagne=campagne):
            reunion.partenaires_cloture = list(
                reunion.partenaires.order_by(cle_de_tri("nom"), "pk").values_list("nom", flat=True)
            )
            reunion.axes_cloture = [
                f"Axe {axe.numero} : {axe.intitule}"
                for axe in reunion.axes.order_by("numero", "pk")
            ]
            reunion.save()


def figer_les_besoins(apps, campagnes=None) -> None:
    """Record on every closed review the ABS needs and the codes of the actions answering
    them (``Campagne.besoins_cloture``), for the reviews closed before it was recorded: the
    needs and links of today (they have no history), the codes as the review's rows have
    them. Models come from ``apps``."""
    Campagne = apps.get_model("evaluations", "Campagne")
    Evaluation = apps.get_model("evaluations", "Evaluation")
    BesoinSocial = apps.get_model("axes", "BesoinSocial")
    Liens = apps.get_model("actions", "Action").besoins.through
    for campagne in Campagne.objects.filter(statut=CLOSE).order_by("projet_id", "annee", "pk"):
        if campagnes is not None and campagne.pk not in campagnes:
            continue
        codes = {
            action_id: (axe, objectif, numero)
            for action_id, axe, objectif, numero in Evaluation.objects.filter(
                campagne=campagne, action__isnull=False, numero_axe__isnull=False
            ).values_list("action_id", "numero_axe", "numero_objectif", "numero_action")
        }
        liens: dict[int, list] = {}
        for besoin_id, action_id in Liens.objects.filter(
            besoinsocial__projet_id=campagne.projet_id
        ).values_list("besoinsocial_id", "action_id"):
            if action_id in codes:
                liens.setdefault(besoin_id, []).append(codes[action_id])
        campagne.besoins_cloture = [
            besoin_fige(
                besoin, [".".join(map(str, code)) for code in sorted(liens.get(besoin.pk, []))]
            )
            for besoin in BesoinSocial.objects.filter(projet_id=campagne.projet_id).order_by(
                "thematique", "pk"
            )
        ]
        Campagne.objects.filter(pk=campagne.pk).update(besoins_cloture=campagne.besoins_cloture)
