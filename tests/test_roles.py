"""Every screen URL, for every role: anonymous users go to the login page, élus read and are
refused every change (GET and POST), agents work, and only administrators delete fiches.
A new URL must be classified here, or test_every_url_is_classified fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from actions.models import Action, Partenaire
from axes.models import Axe, Objectif
from evaluations.models import Evaluation
from projet_social.models import ImportClasseur
from tests.actions.factories import ActionFactory, PartenaireFactory
from tests.axes.factories import BesoinSocialFactory
from tests.evaluations.factories import CampagneFactory, ReunionFactory
from tests.factories_utilisateurs import AdministrateurFactory, AgentFactory, EluFactory

LECTURE = {
    "home",
    "export_classeur",
    "modele_classeur",
    "export_feuille",
    "axes:plan",
    "axes:besoins",
    "axes:besoin",
    "actions:liste",
    "actions:mes_actions",
    "actions:detail",
    "actions:historique",
    "actions:fiche_pdf",
    "actions:catalogue_pdf",
    "actions:export_liste",
    "actions:export_mes_actions",
    "actions:partenaires",
    "actions:export_partenaires",
    "actions:partenaire",
    "evaluations:campagnes",
    "evaluations:campagne",
    "dossier_bilan",
    "export_bilan",
    "export_bilan_indicateurs",
    "evaluations:concertation",
    "evaluations:reunion",
}
# GET shows the evaluation read-only to those who may not change it; POST changes it.
LECTURE_SEULE_EN_GET = {"evaluations:evaluer"}
MODIFICATION = {
    "axes:axe_creer",
    "axes:axe_modifier",
    "axes:objectif_creer",
    "axes:objectif_modifier",
    "axes:besoin_creer",
    "axes:besoin_modifier",
    "actions:creer",
    "actions:modifier",
    "actions:deplacer",
    "actions:abandonner",
    "actions:partenaire_creer",
    "actions:partenaire_modifier",
    "actions:partenaire_fusionner",
    "evaluations:ouvrir",
    "evaluations:campagne_modifier",
    "evaluations:clore",
    "evaluations:action_nouvelle",
    "evaluations:reunion_creer",
    "evaluations:reunion_modifier",
    "import_classeur",
    "imports",
    "import",
}
ADMINISTRATION = {"actions:supprimer", "evaluations:rouvrir"}
# A long document asked for in this session: nobody else's (tests/test_documents_en_preparation.py).
DE_LA_SESSION = {"document_en_preparation"}
HORS_ECRANS = {
    "healthz",
    "login",
    "logout",
    "admin_connexion",
    "accessibilite",
}  # and everything under /admin/


def _noms(resolver: URLResolver, namespace: str = "") -> set[str]:
    noms = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            noms |= _noms(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            noms.add(f"{namespace}{pattern.name}")
    return noms


def test_every_url_is_classified():
    assert _noms(get_resolver()) == (
        LECTURE | LECTURE_SEULE_EN_GET | MODIFICATION | ADMINISTRATION | DE_LA_SESSION | HORS_ECRANS
    )


@pytest.mark.parametrize("compte", [None, EluFactory, AgentFactory, AdministrateurFactory])
def test_a_document_asked_for_in_no_session_is_nobodys(client, db, compte):
    url = reverse("document_en_preparation", args=["0" * 64])
    if compte is None:
        assert client.get(url)["Location"].startswith(reverse("login"))
        return
    client.force_login(compte())
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 405


@pytest.fixture
def objets(projet, axe, objectif, action):
    partenaire = PartenaireFactory()
    PartenaireFactory()  # a second one, for the merge form
    campagne = CampagneFactory(projet=projet, annee=2025)
    close = CampagneFactory(projet=projet, annee=2024, close=True)
    reunion = ReunionFactory(projet=projet)
    besoin = BesoinSocialFactory(projet=projet)
    import_ = ImportClasseur.objects.create(
        projet=projet, nom_du_fichier="plan.xlsx", taille=1, statut=ImportClasseur.Statut.REFUSE
    )
    return {
        "import": import_,
        "besoin": besoin,
        "axe": axe,
        "objectif": objectif,
        "action": action,
        "partenaire": partenaire,
        "campagne": campagne,
        "close": close,
        "reunion": reunion,
    }


def _url(nom: str, objets) -> str:
    kwargs = {
        "axes:axe_modifier": {"pk": objets["axe"].pk},
        "axes:objectif_creer": {"axe_pk": objets["axe"].pk},
        "axes:objectif_modifier": {"pk": objets["objectif"].pk},
        "axes:besoin": {"pk": objets["besoin"].pk},
        "axes:besoin_modifier": {"pk": objets["besoin"].pk},
        "actions:partenaire": {"pk": objets["partenaire"].pk},
        "actions:partenaire_modifier": {"pk": objets["partenaire"].pk},
        "actions:partenaire_fusionner": {"pk": objets["partenaire"].pk},
        "evaluations:campagne": {"pk": objets["campagne"].pk},
        "dossier_bilan": {"pk": objets["campagne"].pk},
        "export_bilan": {"pk": objets["campagne"].pk, "format": "xlsx"},
        "export_bilan_indicateurs": {"pk": objets["campagne"].pk},
        "actions:export_liste": {"format": "xlsx"},
        "actions:export_mes_actions": {"format": "csv"},
        "actions:export_partenaires": {"format": "xlsx"},
        "evaluations:campagne_modifier": {"pk": objets["campagne"].pk},
        "evaluations:clore": {"pk": objets["campagne"].pk},
        "evaluations:action_nouvelle": {"pk": objets["campagne"].pk},
        "evaluations:rouvrir": {"pk": objets["close"].pk},
        "evaluations:evaluer": {
            "campagne_pk": objets["campagne"].pk,
            "action_pk": objets["action"].pk,
        },
        "evaluations:reunion": {"pk": objets["reunion"].pk},
        "evaluations:reunion_modifier": {"pk": objets["reunion"].pk},
        "import": {"pk": objets["import"].pk},
        "export_feuille": {"feuille": "actions"},
    }.get(nom)
    if (
        kwargs is None
        and nom.startswith("actions:")
        and nom
        not in {
            "actions:liste",
            "actions:mes_actions",
            "actions:catalogue_pdf",
            "actions:creer",
            "actions:partenaires",
            "actions:partenaire_creer",
        }
    ):
        kwargs = {"pk": objets["action"].pk}
    return reverse(nom, kwargs=kwargs)


ECRANS = sorted(LECTURE | LECTURE_SEULE_EN_GET | MODIFICATION | ADMINISTRATION)


@pytest.mark.parametrize("nom", ECRANS)
def test_anonymous_goes_to_login(client, objets, nom):
    url = _url(nom, objets)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("nom", ECRANS)
def test_elu_reads_and_changes_nothing(client, objets, nom):
    client.force_login(EluFactory())
    url = _url(nom, objets)
    if nom in LECTURE:
        assert client.get(url).status_code == 200
    elif nom in LECTURE_SEULE_EN_GET:
        assert client.get(url).status_code == 200
        assert client.post(url, {"taux_realisation": "99"}).status_code == 403
        assert not Evaluation.objects.filter(taux_realisation=99).exists()
    else:
        assert client.get(url).status_code == 403
        assert client.post(url, {"intitule": "forcé", "nom": "forcé"}).status_code == 403
        assert not Action.objects.filter(intitule="forcé").exists()
        assert not Partenaire.objects.filter(nom="forcé").exists()
        assert not Axe.objects.filter(intitule="forcé").exists()
        assert not Objectif.objects.filter(intitule="forcé").exists()


@pytest.mark.parametrize("nom", ECRANS)
def test_agent(client, objets, nom):
    client.force_login(AgentFactory())
    expected = 403 if nom in ADMINISTRATION else 200
    assert client.get(_url(nom, objets)).status_code == expected


@pytest.mark.parametrize("nom", ECRANS)
def test_administrateur(client, objets, nom):
    client.force_login(AdministrateurFactory())
    assert client.get(_url(nom, objets)).status_code == 200


def test_pilote_edits_own_fiche_only(client, objets):
    pilote = EluFactory(username="pilote-sans-droits")
    action = objets["action"]
    action.pilote = pilote
    action.save()
    autre = ActionFactory(objectif=objets["objectif"], numero=2)
    client.force_login(pilote)
    assert client.get(reverse("actions:modifier", args=[action.pk])).status_code == 200
    assert client.get(reverse("actions:modifier", args=[autre.pk])).status_code == 403
    assert client.get(reverse("actions:deplacer", args=[action.pk])).status_code == 403
    assert client.get(reverse("actions:supprimer", args=[action.pk])).status_code == 403
