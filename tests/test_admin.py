"""The admin site: every page opens, changelists stay bounded, imports key on numbers,
closed campaigns are frozen, the admin exports but imports nothing."""

import datetime
import html
import tempfile
import uuid
from pathlib import Path

import pytest
import tablib
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.enums import StatutAction
from actions.models import Action, Indicateur, Partenaire, PublicCible
from actions.resources import ActionResource, IndicateurResource, PartenaireResource
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from axes.resources import AxeResource, ObjectifResource
from evaluations.models import Campagne, Evaluation, Reunion
from evaluations.resources import EvaluationResource
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
    PublicCibleFactory,
)
from tests.axes.factories import (
    AxeFactory,
    BesoinSocialFactory,
    ObjectifFactory,
    ProjetSocialFactory,
)
from tests.evaluations.factories import (
    CampagneFactory,
    EvaluationFactory,
    MesureFactory,
    ReunionFactory,
)
from tests.factories_utilisateurs import UserFactory

pytestmark = pytest.mark.django_db

PROJET_APPS = ("axes", "actions", "evaluations")


def _action_complete():
    """An action with a row in every inline, so that the change form renders them all."""
    action = ActionFactory(pilote=UserFactory())
    action.publics.add(PublicCibleFactory(libelle="Personnes âgées"))
    ActionPartenaireFactory(action=action)
    IndicateurFactory(action=action)
    EtapeFactory(action=action)
    LigneBudgetFactory(action=action, financeur=PartenaireFactory())
    return action


def _evaluation_complete():
    evaluation = EvaluationFactory(auteur=UserFactory())
    MesureFactory(evaluation=evaluation, indicateur=IndicateurFactory(action=evaluation.action))
    return evaluation


def _reunion_complete():
    reunion = ReunionFactory()
    reunion.axes.add(AxeFactory(projet=reunion.projet))
    reunion.partenaires.add(PartenaireFactory())
    return reunion


OBJETS = {
    ProjetSocial: ProjetSocialFactory,
    Axe: lambda: ObjectifFactory().axe,
    Objectif: ObjectifFactory,
    BesoinSocial: BesoinSocialFactory,
    Action: _action_complete,
    Partenaire: PartenaireFactory,
    Indicateur: IndicateurFactory,
    Campagne: CampagneFactory,
    Evaluation: _evaluation_complete,
    Reunion: _reunion_complete,
    PublicCible: PublicCibleFactory,
}

MODELES_HISTORISES = {Action, Indicateur, Campagne, Evaluation, Reunion}
MODELES_EXPORT = {Axe, Objectif, Action, Partenaire, Indicateur, Evaluation}
MODELES = list(OBJETS)


def _url(model, vue: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{vue}", args=args)


def test_every_model_of_the_project_is_registered_and_covered_here():
    enregistres = {m for m in admin.site._registry if m._meta.app_label in PROJET_APPS}
    # ActionPartenaire, LigneBudget, Etape and Mesure are edited only as inlines.
    assert enregistres == set(MODELES)


@pytest.mark.parametrize("model", MODELES, ids=lambda m: m._meta.model_name)
def test_admin_pages_open_for_the_administrator(client, administrateur, model):
    obj = OBJETS[model]()
    client.force_login(administrateur)

    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert html.escape(str(obj)) in changelist.content.decode()

    ajout = client.get(_url(model, "add"))
    assert ajout.status_code == 200
    assert f"Ajout de {html.escape(str(model._meta.verbose_name))}" in ajout.content.decode()
    assert 'name="_save"' in ajout.content.decode()

    modification = client.get(_url(model, "change", obj.pk))
    assert modification.status_code == 200
    assert html.escape(str(obj)) in modification.content.decode()
    assert 'name="_save"' in modification.content.decode()

    if model in MODELES_HISTORISES:
        historique = client.get(_url(model, "history", obj.pk))
        assert historique.status_code == 200
        assert html.escape(str(obj)) in historique.content.decode()
    if model in MODELES_EXPORT:
        # ExportAdmin and SimpleHistoryAdmin combined: the export button is there, no import.
        assert _url(model, "export") in changelist.content.decode()
        assert "/import/" not in changelist.content.decode()
        assert client.get(_url(model, "export")).status_code == 200


def _requetes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in requetes.captured_queries]


def _lignes_action(axe, n: int) -> None:
    public = PublicCibleFactory(libelle="Familles monoparentales")
    for i in range(n):
        action = ActionFactory(
            objectif=ObjectifFactory(axe=axe),
            pilote=UserFactory(),
            echeance=datetime.date(2024, 6, 30) if i % 2 else datetime.date(2030, 1, 1),
        )
        action.publics.add(public)
        ActionPartenaireFactory(action=action)


def _lignes_partenaire(axe, n: int) -> None:
    for _ in range(n):
        ActionPartenaireFactory(action=ActionFactory(objectif=ObjectifFactory(axe=axe)))


def _lignes_evaluation(axe, n: int) -> None:
    campagne = Campagne.objects.first() or CampagneFactory(projet=axe.projet)
    for _ in range(n):
        EvaluationFactory(
            campagne=campagne,
            action=ActionFactory(objectif=ObjectifFactory(axe=axe)),
            auteur=UserFactory(),
        )


def _lignes_indicateur(axe, n: int) -> None:
    for _ in range(n):
        IndicateurFactory(action=ActionFactory(objectif=ObjectifFactory(axe=axe)))


# Queries of each changelist, whatever the number of rows (all on one page):
# - every page: the session, then the user (a superuser needs no permission query);
# - Action: the axes, the pilotes and the publics offered by the filters, the projets filter,
#   the count of the filtered rows and of all rows, then the page of actions with their
#   objective, axe and pilote joined (code, en retard and code_tri computed in SQL): 9;
# - Partenaire: the two counts, then the partners with their number of actions annotated: 5;
# - Evaluation: the campaigns and the axes offered by the filters, the two counts, then the
#   evaluations with campaign, action, objective, axe and author joined: 7;
# - Indicateur: the axes filter, the two counts, then the indicators with action, objective
#   and axe joined: 6.
REQUETES_PAR_LISTE = {Action: 9, Partenaire: 5, Evaluation: 7, Indicateur: 6}


@pytest.mark.parametrize(
    "model,lignes",
    [
        (Action, _lignes_action),
        (Partenaire, _lignes_partenaire),
        (Evaluation, _lignes_evaluation),
        (Indicateur, _lignes_indicateur),
    ],
    ids=["action", "partenaire", "evaluation", "indicateur"],
)
def test_changelist_queries_do_not_grow_with_the_rows(client, administrateur, model, lignes):
    axe = AxeFactory()
    client.force_login(administrateur)
    lignes(axe, 3)
    trois = _requetes(client, _url(model, "changelist"))
    lignes(axe, 27)
    trente = _requetes(client, _url(model, "changelist"))

    assert model.objects.count() == 30
    assert len(trente) == len(trois), "\n".join(trente)
    assert len(trois) == REQUETES_PAR_LISTE[model], "\n".join(trois)


@pytest.mark.parametrize("model", MODELES, ids=lambda m: m._meta.model_name)
def test_every_changelist_is_bounded(client, administrateur, model):
    client.force_login(administrateur)
    OBJETS[model]()
    une = _requetes(client, _url(model, "changelist"))
    for _ in range(4):
        OBJETS[model]()
    cinq = _requetes(client, _url(model, "changelist"))
    assert len(cinq) == len(une), "\n".join(cinq)


@pytest.mark.parametrize("role", ["agent", "elu"])
def test_only_administrators_reach_the_admin(client, request, role):
    """Agents work in the product: even marked staff, they are sent to the login page, as
    élus are, where the product says their account has no access to the page."""
    user = request.getfixturevalue(role)
    user.is_staff = True
    user.save()
    action = ActionFactory()
    client.force_login(user)
    for url in ("/admin/", _url(Action, "changelist"), _url(Action, "change", action.pk)):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=")
        assert "Votre compte n'a pas accès à cette page." in response.content.decode()


def test_the_admin_login_is_the_products_login(client, administrateur):
    response = client.get("/admin/login/?next=/admin/actions/action/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/actions/action/"
    response = client.post(
        reverse("login"),
        {
            "username": administrateur.username,
            "password": "mot-de-passe-de-test",
            "next": "/admin/actions/action/",
        },
    )
    assert response["Location"] == "/admin/actions/action/"
    assert client.get("/admin/actions/action/").status_code == 200


# --- Change form of a fiche -----------------------------------------------------------------


def _donnees_du_formulaire(response) -> dict:
    """The POST data a browser would send back for an admin change form, unchanged."""
    data = {}

    def ajouter(form):
        for nom, champ in form.fields.items():
            valeur = form[nom].value()
            cle = form.add_prefix(nom)
            if isinstance(champ, forms.BooleanField):
                if valeur:
                    data[cle] = "on"
            elif isinstance(valeur, list | tuple):
                data[cle] = [str(v) for v in valeur]
            elif valeur is not None:
                data[cle] = str(valeur)

    ajouter(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        ajouter(formset.management_form)
        for form in formset.forms:
            ajouter(form)
    return data


def test_saving_a_fiche_records_who_and_bumps_the_version(client, administrateur):
    action = _action_complete()
    client.force_login(administrateur)
    url = _url(Action, "change", action.pk)
    data = _donnees_du_formulaire(client.get(url))
    data["intitule"] = "Permanence d'accès aux droits"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.intitule == "Permanence d'accès aux droits"
    assert action.updated_by == administrateur
    assert action.version == 2
    assert action.history.first().history_user == administrateur


def test_a_fiche_saved_meanwhile_is_not_overwritten(client, administrateur, agent):
    action = _action_complete()
    client.force_login(administrateur)
    url = _url(Action, "change", action.pk)
    data = _donnees_du_formulaire(client.get(url))

    # Someone else saves the fiche while the form is open.
    autre = Action.objects.get(pk=action.pk)
    autre.intitule = "Titre de la collègue"
    autre.save_versioned(autre.version)

    data["intitule"] = "Mon titre"
    response = client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cette fiche action a été enregistrée par quelqu&#x27;un d&#x27;autre le " in html
    assert "Enregistré entre-temps : Intitulé : « Titre de la collègue »." in html
    # The user's input stays on screen.
    assert 'value="Mon titre"' in html
    action.refresh_from_db()
    assert action.intitule == "Titre de la collègue"


# --- Change forms of every versioned object ---------------------------------------------------

# (model, how to make one, a text field the admin edits, how the error names the object).
VERSIONNES = [
    (Campagne, CampagneFactory, "synthese", "Cette campagne d'évaluation a été enregistrée"),
    (Partenaire, PartenaireFactory, "contact", "Ce partenaire a été enregistré"),
    (Reunion, _reunion_complete, "lieu", "Cette réunion a été enregistrée"),
    (Axe, lambda: ObjectifFactory().axe, "description", "Cet axe stratégique a été enregistré"),
    (Objectif, ObjectifFactory, "description", "Cet objectif opérationnel a été enregistré"),
    (Evaluation, _evaluation_complete, "realise", "Cette évaluation a été enregistrée"),
]


def _erreurs_du_formulaire(response) -> str:
    """The errors the admin shows above the form, as read."""
    return " ".join(
        html.unescape(erreur) for erreur in response.context["adminform"].form.non_field_errors()
    )


@pytest.mark.parametrize(
    "model,fabrique,champ,designation",
    VERSIONNES,
    ids=[model._meta.model_name for model, *_ in VERSIONNES],
)
def test_a_change_form_posted_without_its_version_is_refused(
    client, administrateur, model, fabrique, champ, designation
):
    obj = fabrique()
    client.force_login(administrateur)
    url = _url(model, "change", obj.pk)
    data = _donnees_du_formulaire(client.get(url))
    assert data["version"] == "1"
    del data["version"]
    data[champ] = "Saisie sans version"

    response = client.post(url, data)

    assert response.status_code == 200
    assert (
        "Ce formulaire ne précise pas la version qu'il modifie : rien n'a été enregistré."
    ) in _erreurs_du_formulaire(response)
    obj.refresh_from_db()
    assert getattr(obj, champ) != "Saisie sans version"
    assert obj.version == 1


@pytest.mark.parametrize(
    "model,fabrique,champ,designation",
    VERSIONNES,
    ids=[model._meta.model_name for model, *_ in VERSIONNES],
)
def test_a_change_form_over_a_newer_version_is_refused_then_saved_knowingly(
    client, administrateur, model, fabrique, champ, designation
):
    obj = fabrique()
    client.force_login(administrateur)
    url = _url(model, "change", obj.pk)
    data = _donnees_du_formulaire(client.get(url))

    # A colleague saves the same object while the form is open.
    autre = model.objects.get(pk=obj.pk)
    setattr(autre, champ, "Saisie de la collègue")
    autre.save_versioned(autre.version)

    data[champ] = "Ma saisie"
    refus = client.post(url, data)

    assert refus.status_code == 200
    erreurs = _erreurs_du_formulaire(refus)
    assert f"{designation} par quelqu'un d'autre" in erreurs
    assert "Rien n'a été enregistré de votre côté" in erreurs
    assert "« Saisie de la collègue »" in erreurs
    obj.refresh_from_db()
    assert (getattr(obj, champ), obj.version) == ("Saisie de la collègue", 2)

    # The form kept the input and now carries the version saved: saving again overwrites it.
    data = _donnees_du_formulaire(refus)
    assert (data[champ], data["version"]) == ("Ma saisie", "2")
    assert client.post(url, data).status_code == 302
    obj.refresh_from_db()
    assert (getattr(obj, champ), obj.version) == ("Ma saisie", 3)


def test_an_objective_edited_inline_over_a_newer_version_is_refused(client, administrateur):
    objectif = ObjectifFactory(intitule="Faciliter l'accès aux droits")
    client.force_login(administrateur)
    url = _url(Axe, "change", objectif.axe.pk)
    data = _donnees_du_formulaire(client.get(url))
    cle = next(nom for nom, valeur in data.items() if valeur == objectif.intitule)

    autre = Objectif.objects.get(pk=objectif.pk)
    autre.intitule = "Titre de la collègue"
    autre.save_versioned(autre.version)
    data[cle] = "Mon titre"
    refus = client.post(url, data)

    assert refus.status_code == 200
    (formset,) = [inline.formset for inline in refus.context["inline_admin_formsets"]]
    assert "Cet objectif opérationnel a été enregistré par quelqu'un d'autre" in html.unescape(
        " ".join(formset.forms[0].non_field_errors())
    )
    objectif.refresh_from_db()
    assert (objectif.intitule, objectif.version) == ("Titre de la collègue", 2)


def test_action_marquer_realisee_keeps_a_history(client, administrateur):
    actions = [ActionFactory(), ActionFactory()]
    client.force_login(administrateur)

    response = client.post(
        _url(Action, "changelist"),
        {"action": "marquer_realisee", "_selected_action": [a.pk for a in actions]},
    )

    assert response.status_code == 302
    for action in actions:
        action.refresh_from_db()
        assert action.statut == StatutAction.REALISEE
        assert action.version == 2
        assert action.history.first().history_user == administrateur


# --- Import and export of fiches ------------------------------------------------------------


@pytest.fixture
def actions(objectif, pilote, action):
    """The actions 2.3.1 (the shared fiche, for two publics) to 2.3.3, of one pilote."""
    action.publics.add(
        PublicCibleFactory(libelle="Personnes isolées"),
        PublicCibleFactory(libelle="Personnes âgées"),
    )
    return [action] + [
        ActionFactory(objectif=objectif, numero=numero, pilote=pilote) for numero in (2, 3)
    ]


def _exporter_en_csv(resource, **kwargs) -> tablib.Dataset:
    """Export then read back, as a user saving the file and importing it again would."""
    return tablib.Dataset().load(resource.export(**kwargs).csv, format="csv")


def _modifier(dataset: tablib.Dataset, code: str, colonne: str, valeur: str) -> None:
    ligne = next(i for i, r in enumerate(dataset.dict) if r.get("Code", r.get("Action")) == code)
    rangee = list(dataset[ligne])
    rangee[dataset.headers.index(colonne)] = valeur
    dataset[ligne] = rangee


def test_action_export_has_french_headers_and_readable_values(actions):
    actions[0].echeance = datetime.date(2025, 12, 31)
    actions[0].save()

    dataset = _exporter_en_csv(ActionResource())

    assert dataset.headers[:5] == [
        "Projet social",
        "Code",
        "Axe",
        "Objectif opérationnel",
        "Intitulé",
    ]
    premiere = dataset.dict[0]
    assert premiere["Code"] == "2.3.1"
    assert premiere["Objectif opérationnel"] == "2.3"
    assert premiere["Statut"] == "À lancer"
    assert premiere["Priorité"] == "Moyenne"
    assert premiere["Pilote"] == "pilote-test"
    assert set(premiere["Publics cibles"].split("; ")) == {"Personnes âgées", "Personnes isolées"}
    assert premiere["Échéance"] == "31/12/2025"


def test_reimporting_an_edited_export_updates_and_never_duplicates(administrateur, actions):
    dataset = _exporter_en_csv(ActionResource())
    _modifier(dataset, "2.3.2", "Intitulé", "Visites de convivialité à domicile")
    _modifier(dataset, "2.3.2", "Statut", "Reportée")
    historiques = {action.pk: action.history.count() for action in actions}

    result = ActionResource().import_data(dataset, dry_run=False, user=administrateur)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 0
    assert result.totals["update"] == 1
    assert Action.objects.count() == 3
    modifiee = Action.objects.get(pk=actions[1].pk)
    assert modifiee.intitule == "Visites de convivialité à domicile"
    assert modifiee.statut == StatutAction.REPORTEE
    assert modifiee.updated_by == administrateur
    assert modifiee.version == 2
    # The untouched rows are left alone (no history row for nothing), their publics too.
    assert Action.objects.get(pk=actions[0].pk).history.count() == historiques[actions[0].pk]
    assert Action.objects.get(pk=actions[2].pk).history.count() == historiques[actions[2].pk]
    assert set(Action.objects.get(pk=actions[0].pk).publics.values_list("libelle", flat=True)) == {
        "Personnes âgées",
        "Personnes isolées",
    }


def test_import_creates_a_new_action_from_its_code(administrateur, objectif, actions):
    dataset = _exporter_en_csv(ActionResource())
    nouvelle = dict(dataset.dict[0])
    nouvelle.update(
        {"Code": "2.3.4", "Intitulé": "Café des aidants", "Publics cibles": "Personnes âgées"}
    )
    dataset.append([nouvelle[h] for h in dataset.headers])

    result = ActionResource().import_data(dataset, dry_run=False, user=administrateur)

    assert not result.has_validation_errors(), result.invalid_rows
    creee = Action.objects.get(objectif=objectif, numero=4)
    assert creee.intitule == "Café des aidants"
    assert creee.created_by == administrateur
    assert list(creee.publics.values_list("libelle", flat=True)) == ["Personnes âgées"]


def _erreurs(result) -> list[str]:
    return [
        message
        for ligne in result.invalid_rows
        for messages in ligne.error_dict.values()
        for message in messages
    ]


def test_unknown_objective_is_a_french_error_and_the_import_changes_nothing(actions):
    dataset = _exporter_en_csv(ActionResource())
    _modifier(dataset, "2.3.2", "Intitulé", "Visites de convivialité à domicile")
    inconnue = dict(dataset.dict[0])
    inconnue.update({"Code": "9.9.1", "Objectif opérationnel": "9.9", "Intitulé": "Nouvelle"})
    dataset.append([inconnue[h] for h in dataset.headers])

    result = ActionResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert [ligne.number for ligne in result.invalid_rows] == [4]
    assert (
        "Objectif 9.9 introuvable dans le projet social « Projet social de territoire "
        "2023-2026 »." in _erreurs(result)
    )
    # All or nothing: the valid edited row was rolled back too.
    assert Action.objects.count() == 3
    assert Action.objects.get(pk=actions[1].pk).intitule == actions[1].intitule


def test_bad_date_and_unknown_public_are_french_errors(actions):
    dataset = _exporter_en_csv(ActionResource())
    _modifier(dataset, "2.3.1", "Échéance", "31/02/2025")
    _modifier(dataset, "2.3.2", "Publics cibles", "Personnes âgées; Retraités")
    _modifier(dataset, "2.3.3", "Statut", "Terminée")

    result = ActionResource().import_data(dataset, dry_run=False)

    erreurs = _erreurs(result)
    assert "Date « 31/02/2025 » non reconnue : écrivez-la au format JJ/MM/AAAA." in erreurs
    assert any("« Retraités »" in e for e in erreurs)
    assert any(e.startswith("« Terminée » n'est pas une valeur possible") for e in erreurs)
    assert Action.objects.get(pk=actions[0].pk).echeance == actions[0].echeance


def test_codes_resolve_in_the_projet_named_by_the_row_else_the_current_one(actions):
    # A newer adopted plan with the same numbers becomes the current one.
    nouveau = ProjetSocialFactory(
        intitule="Projet social 2027-2032", annee_debut=2027, annee_fin=2032
    )
    ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=nouveau, numero=2), numero=3), numero=2
    )
    assert ProjetSocial.objects.courant() == nouveau

    dataset = _exporter_en_csv(ActionResource(), queryset=Action.objects.filter(pk=actions[1].pk))
    _modifier(dataset, "2.3.2", "Intitulé", "Modifiée dans l'ancien plan")
    ActionResource().import_data(dataset, dry_run=False)
    assert Action.objects.get(pk=actions[1].pk).intitule == "Modifiée dans l'ancien plan"

    del dataset["Projet social"]
    _modifier(dataset, "2.3.2", "Intitulé", "Modifiée dans le plan courant")
    ActionResource().import_data(dataset, dry_run=False)
    assert Action.objects.get(objectif__axe__projet=nouveau).intitule == (
        "Modifiée dans le plan courant"
    )
    assert Action.objects.get(pk=actions[1].pk).intitule == "Modifiée dans l'ancien plan"


def test_partner_import_by_nom_updates_rather_than_duplicates():
    PartenaireFactory(nom="CDAS de Brest", contact="Accueil")
    dataset = tablib.Dataset(headers=["Nom", "Type", "Contact", "Courriel"])
    dataset.append(["CDAS de Brest", "Institution", "Assistante sociale de secteur", ""])
    dataset.append(["Épicerie solidaire", "Association", "", "contact@epicerie.example"])

    result = PartenaireResource().import_data(dataset, dry_run=False)

    assert not result.has_validation_errors(), result.invalid_rows
    assert Partenaire.objects.count() == 2
    cdas = Partenaire.objects.get(nom="CDAS de Brest")
    assert cdas.contact == "Assistante sociale de secteur"
    assert cdas.type == "institution"
    assert Partenaire.objects.get(nom="Épicerie solidaire").type == "association"

    # Re-importing the same file changes nothing more.
    again = PartenaireResource().import_data(dataset, dry_run=False)
    assert again.totals["new"] == 0
    assert Partenaire.objects.count() == 2


def test_indicator_import_keys_on_action_code_and_libelle(actions):
    IndicateurFactory(action=actions[0], libelle="Personnes visitées", valeur_cible=40)
    dataset = _exporter_en_csv(IndicateurResource())
    _modifier(dataset, "2.3.1", "Valeur cible", "45,5")

    result = IndicateurResource().import_data(dataset, dry_run=False)

    assert not result.has_validation_errors(), result.invalid_rows
    assert Indicateur.objects.count() == 1
    assert str(Indicateur.objects.get().valeur_cible) == "45.50"


# --- Closed campaigns are frozen ------------------------------------------------------------


def test_evaluation_of_a_closed_campaign_is_read_only(client, administrateur, rf):
    evaluation = _evaluation_complete()
    ouverte = EvaluationFactory(action=evaluation.action)
    Campagne.objects.filter(pk=evaluation.campagne_id).update(
        statut="close", closed_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    )
    evaluation.refresh_from_db()
    client.force_login(administrateur)
    url = _url(Evaluation, "change", evaluation.pk)

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'name="taux_realisation"' not in page.content.decode()
    # The open campaign's evaluation stays editable: the freeze is per campaign.
    assert 'name="_save"' in client.get(_url(Evaluation, "change", ouverte.pk)).content.decode()

    request = rf.get(url)
    request.user = administrateur
    model_admin = admin.site._registry[Evaluation]
    assert model_admin.has_change_permission(request, evaluation) is False
    assert model_admin.has_delete_permission(request, evaluation) is False

    assert client.post(url, {"taux_realisation": "100"}).status_code == 403
    assert (
        client.post(_url(Evaluation, "delete", evaluation.pk), {"post": "yes"}).status_code == 403
    )
    historique = evaluation.history.first()
    revert = reverse(
        "admin:evaluations_evaluation_simple_history", args=(evaluation.pk, historique.pk)
    )
    assert client.post(revert, {"taux_realisation": "100"}).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.taux_realisation == 50
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()


def test_a_closed_campaign_is_read_only_for_everyone(client, administrateur, agent, rf):
    """Superusers included: a closed review is reopened from its page (recorded), never
    edited in place (see tests/evaluations/test_bilan_clos.py for the refused POSTs)."""
    campagne = CampagneFactory(close=True)
    model_admin = admin.site._registry[Campagne]
    for user in (administrateur, agent):
        request = rf.get("/")
        request.user = user
        assert model_admin.has_change_permission(request, campagne) is False
        assert model_admin.has_change_permission(request, CampagneFactory()) is (
            user == administrateur or user.has_perm("evaluations.change_campagne")
        )
    client.force_login(administrateur)
    page = client.get(_url(Campagne, "change", campagne.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_closing_a_campaign_in_the_admin_dates_it(client, administrateur):
    campagne = CampagneFactory()
    client.force_login(administrateur)

    client.post(
        _url(Campagne, "changelist"), {"action": "clore", "_selected_action": [campagne.pk]}
    )

    campagne.refresh_from_db()
    assert campagne.est_close
    assert campagne.closed_at is not None


def test_evaluation_import_keys_on_year_and_code_and_refuses_closed_campaigns(
    administrateur, projet, objectif, actions
):
    ouverte = EvaluationFactory(
        campagne=CampagneFactory(projet=projet, annee=2025), action=actions[0]
    )
    bilan_2024 = CampagneFactory(projet=projet, annee=2024)
    close = EvaluationFactory(campagne=bilan_2024, action=actions[0])
    bilan_2024.clore(par=administrateur)
    # Closing wrote a row, not evaluated, for 2.3.2 and 2.3.3: the 2024 review has all three.
    assert bilan_2024.evaluations.count() == 3
    dataset = _exporter_en_csv(EvaluationResource())
    assert dataset.headers[:3] == ["Projet social", "Campagne", "Action"]
    assert sorted((r["Campagne"], r["Action"]) for r in dataset.dict) == [
        ("2024", "2.3.1"),
        ("2024", "2.3.2"),
        ("2024", "2.3.3"),
        ("2025", "2.3.1"),
    ]

    # The open year edited, the closed one left as exported: imported, 2024 skipped.
    ligne_ouverte = next(i for i, r in enumerate(dataset.dict) if r["Campagne"] == "2025")
    rangee = list(dataset[ligne_ouverte])
    rangee[dataset.headers.index("Taux de réalisation (%)")] = "80"
    dataset[ligne_ouverte] = rangee
    result = EvaluationResource().import_data(dataset, dry_run=False)
    assert not result.has_validation_errors(), result.invalid_rows
    ouverte.refresh_from_db()
    assert ouverte.taux_realisation == 80

    # A change to a closed year is refused, for an evaluated action and a not evaluated one.
    for code in ("2.3.1", "2.3.2"):
        dataset = _exporter_en_csv(EvaluationResource())
        ligne_close = next(
            i for i, r in enumerate(dataset.dict) if (r["Campagne"], r["Action"]) == ("2024", code)
        )
        rangee = list(dataset[ligne_close])
        rangee[dataset.headers.index("Taux de réalisation (%)")] = "60"
        dataset[ligne_close] = rangee
        result = EvaluationResource().import_data(dataset, dry_run=False)

        assert result.has_validation_errors(), code
        assert (
            "La campagne 2024 est close : ses évaluations ne peuvent plus être modifiées."
            in _erreurs(result)
        )
    close.refresh_from_db()
    assert close.taux_realisation == 50
    assert set(bilan_2024.evaluations.values_list("taux_realisation", flat=True)) == {50, 0}
    assert Evaluation.objects.count() == 4

    # A new evaluation in a closed campaign is refused too (a fiche created since).
    ActionFactory(objectif=objectif, numero=4)
    nouvelle = dict(dataset.dict[ligne_close])
    nouvelle["Action"] = "2.3.4"
    refus = EvaluationResource().import_data(
        tablib.Dataset([nouvelle[h] for h in dataset.headers], headers=dataset.headers),
        dry_run=False,
    )
    assert refus.has_validation_errors()
    assert "La campagne 2024 est close : ses évaluations ne peuvent plus être modifiées." in (
        _erreurs(refus)
    )
    assert Evaluation.objects.count() == 4


# --- The admin exports, it does not import -------------------------------------------------


@pytest.fixture
def fichier_temporaire_pirate():
    """A partners' CSV in the server's temporary folder, where import-export's import screens
    read the file whose name the posted form gives (and then deleted it)."""
    chemin = Path(tempfile.gettempdir()) / f"import-{uuid.uuid4().hex}.csv"
    chemin.write_text("Nom,Type,Contact\nPartenaire pirate,Association,\n", encoding="utf-8")
    yield chemin
    chemin.unlink(missing_ok=True)


@pytest.mark.parametrize("model", sorted(MODELES_EXPORT, key=str), ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("vue", ["import", "process_import"])
def test_the_admin_import_screens_are_gone(
    client, administrateur, fichier_temporaire_pirate, model, vue
):
    client.force_login(administrateur)
    url = f"{_url(model, 'changelist')}{vue}/"
    formulaire = {
        "import_file_name": fichier_temporaire_pirate.name,
        "original_file_name": "partenaires.csv",
        "format": "0",
        "resource": "0",
        "import_file": SimpleUploadedFile("partenaires.csv", b"Nom\nAutre pirate\n", "text/csv"),
    }
    nombres = {m: m.objects.count() for m in MODELES_EXPORT}

    assert client.get(url).status_code == 404
    assert client.post(url, formulaire).status_code == 404

    assert fichier_temporaire_pirate.exists()
    assert not Partenaire.objects.filter(nom__endswith="pirate").exists()
    assert {m: m.objects.count() for m in MODELES_EXPORT} == nombres


@pytest.mark.parametrize(
    "donnees, champ, erreur",
    [
        ({"format": "99"}, "format", "Sélectionnez un choix valide. 99 n’en fait pas partie."),
        ({"format": "xlsx"}, "format", "Sélectionnez un choix valide. xlsx n’en fait pas partie."),
        ({"format": ""}, "format", "Ce champ est obligatoire."),
        (
            {"format": "1", "resource": "7"},
            "resource",
            "Sélectionnez un choix valide. 7 n’en fait pas partie.",
        ),
    ],
)
def test_admin_export_with_a_bad_format_is_a_form_error(
    client, administrateur, actions, donnees, champ, erreur
):
    client.force_login(administrateur)

    response = client.post(
        _url(Action, "export"), {"resource": "0", "actionresource_intitule": "on", **donnees}
    )

    # The export page again, with the error; no file.
    assert response.status_code == 200
    assert not response.has_header("Content-Disposition")
    assert response.context["form"].errors[champ] == [erreur]
    if champ == "format":
        assert erreur in html.unescape(response.content.decode())


def test_admin_export_offers_csv_and_xlsx(client, administrateur):
    client.force_login(administrateur)

    formulaire = client.get(_url(Partenaire, "export")).context["form"]

    assert [libelle for _, libelle in formulaire.fields["format"].choices] == [
        "---",
        "csv",
        "xlsx",
    ]


def test_objective_import_keys_on_its_code_within_the_axes(projet, objectif, actions):
    dataset = _exporter_en_csv(ObjectifResource())
    dataset.append([projet.intitule, "2.4", "", "Soutenir les aidants", ""])
    dataset.append([projet.intitule, "7.1", "", "Sans axe", ""])

    result = ObjectifResource().import_data(dataset, dry_run=False)

    assert "Axe 7 introuvable dans le projet social « Projet social de territoire 2023-2026 »." in (
        _erreurs(result)
    )
    assert Objectif.objects.count() == 1

    del dataset[2]
    result = ObjectifResource().import_data(dataset, dry_run=False)
    assert not result.has_validation_errors(), result.invalid_rows
    assert Objectif.objects.get(axe=objectif.axe, numero=4).intitule == "Soutenir les aidants"
    assert Objectif.objects.count() == 2


def test_axe_import_keys_on_projet_and_numero(actions):
    dataset = _exporter_en_csv(AxeResource())
    assert dataset.dict[0]["Numéro"] == "2"
    rangee = list(dataset[0])
    rangee[dataset.headers.index("Intitulé")] = "Lien social et convivialité"
    dataset[0] = rangee

    result = AxeResource().import_data(dataset, dry_run=False)

    assert not result.has_validation_errors(), result.invalid_rows
    assert Axe.objects.count() == 1
    assert Axe.objects.get().intitule == "Lien social et convivialité"
