"""Editing the plan: axes and objectives of the current projet."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from axes.enums import StatutProjet
from axes.models import Axe, Objectif
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.conflits import SANS_VERSION, changements_du_conflit, sans_version, texte_lu
from tests.formulaires import lire_formulaire

PLAN = reverse("axes:plan")
AXE_CREER = reverse("axes:axe_creer")
NUMERO_AXE_PRIS = "Un axe porte déjà ce numéro dans ce projet social."
NUMERO_OBJECTIF_PRIS = "Un objectif porte déjà ce numéro dans cet axe."


@pytest.fixture
def autre_projet(projet):
    """A closed plan: never the current one."""
    return ProjetSocialFactory(statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020)


# The plan under edit starts at axe 1 and objective 1.1, rather than at the shared axe 2 and
# objective 2.3: the tests propose, take and move the numbers around them.


@pytest.fixture
def axe(projet):
    return AxeFactory(projet=projet, numero=1, intitule="Accompagnement", couleur="#1f6f8b")


@pytest.fixture
def axe2(projet):
    return AxeFactory(projet=projet, numero=2, intitule="Lien social")


@pytest.fixture
def objectif(axe):
    return ObjectifFactory(axe=axe, numero=1, intitule="Faciliter l'accès aux droits")


def url_axe(axe) -> str:
    return reverse("axes:axe_modifier", args=[axe.pk])


def url_objectif_creer(axe) -> str:
    return reverse("axes:objectif_creer", args=[axe.pk])


def url_objectif(objectif) -> str:
    return reverse("axes:objectif_modifier", args=[objectif.pk])


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def donnees_axe(**valeurs) -> dict:
    return {"numero": 3, "intitule": "Inclusion", "description": "", "couleur": "#aa3355"} | valeurs


def donnees_objectif(**valeurs) -> dict:
    return {"numero": 2, "intitule": "Rompre l'isolement", "description": ""} | valeurs


# --- Roles -----------------------------------------------------------------------------------


def _urls(axe, objectif) -> dict[str, str]:
    return {
        "axe_creer": AXE_CREER,
        "axe_modifier": url_axe(axe),
        "objectif_creer": url_objectif_creer(axe),
        "objectif_modifier": url_objectif(objectif),
    }


VUES = ["axe_creer", "axe_modifier", "objectif_creer", "objectif_modifier"]


@pytest.mark.parametrize("vue", VUES)
@pytest.mark.parametrize("methode", ["get", "post"])
def test_anonymous_is_sent_to_login(client, axe, objectif, vue, methode):
    url = _urls(axe, objectif)[vue]
    response = getattr(client, methode)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("vue", VUES)
@pytest.mark.parametrize("methode", ["get", "post"])
def test_elu_may_not_edit_the_plan(client, elu, axe, objectif, vue, methode):
    client.force_login(elu)
    donnees = donnees_axe(numero=5) | donnees_objectif(numero=5)

    response = getattr(client, methode)(
        _urls(axe, objectif)[vue], donnees if methode == "post" else None
    )

    assert response.status_code == 403
    assert list(Axe.objects.values_list("numero", "intitule")) == [(1, "Accompagnement")]
    assert list(Objectif.objects.values_list("numero", "intitule")) == [
        (1, "Faciliter l'accès aux droits")
    ]


def test_elu_sees_no_edit_button_on_the_plan(client, elu, axe, objectif):
    client.force_login(elu)
    content = client.get(PLAN).content.decode()
    for url in _urls(axe, objectif).values():
        assert url not in content


@pytest.mark.parametrize("vue", VUES)
def test_agent_opens_every_form(client, agent, axe, objectif, vue):
    client.force_login(agent)
    response = client.get(_urls(axe, objectif)[vue])
    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-label="Fil d\'Ariane"' in content
    assert f'<a href="{PLAN}">Le plan</a>' in content
    for champ in ("numero", "intitule", "description"):
        assert f'for="id_{champ}"' in content


def test_agent_sees_edit_buttons_on_the_plan(client, agent, axe, objectif):
    client.force_login(agent)
    content = client.get(PLAN).content.decode()
    for url in _urls(axe, objectif).values():
        assert url in content


def test_forms_refuse_other_methods(client, agent, axe):
    client.force_login(agent)
    assert client.put(url_axe(axe)).status_code == 405
    assert client.delete(AXE_CREER).status_code == 405


# --- Axes ------------------------------------------------------------------------------------


def test_new_axe_form_proposes_the_next_number_and_a_colour_picker(client, agent, axe, axe2):
    client.force_login(agent)
    form = client.get(AXE_CREER).context["form"]
    assert form["numero"].value() == 3
    assert 'type="color"' in str(form["couleur"])


def test_agent_creates_an_axe_in_the_current_projet(client, agent, projet, autre_projet, axe):
    AxeFactory(projet=autre_projet, numero=3)  # the same number elsewhere is no conflict
    client.force_login(agent)

    response = client.post(AXE_CREER, donnees_axe(couleur="#AA3355"), follow=True)

    nouvel = Axe.objects.get(projet=projet, numero=3)
    assert (nouvel.intitule, nouvel.couleur) == ("Inclusion", "#aa3355")
    assert response.redirect_chain == [(PLAN, 302)]
    assert "Axe 3 enregistré." in response.content.decode()
    assert "Axe 3 : Inclusion" in response.content.decode()


def test_duplicate_axe_number_is_refused_with_the_model_message(client, agent, projet, axe):
    client.force_login(agent)

    response = client.post(AXE_CREER, donnees_axe(numero=1))

    assert response.status_code == 200
    assert response.context["form"].errors["numero"] == [NUMERO_AXE_PRIS]
    assert NUMERO_AXE_PRIS in response.content.decode()
    assert 'value="Inclusion"' in response.content.decode()
    assert Axe.objects.count() == 1


@pytest.mark.parametrize(
    ("champ", "valeur", "erreur"),
    [
        ("couleur", "rouge", "Indiquez une couleur au format hexadécimal, par exemple #1f6f8b."),
        ("couleur", "#12345g", "Indiquez une couleur au format hexadécimal, par exemple #1f6f8b."),
        ("numero", "0", "Le numéro de l'axe doit être supérieur ou égal à 1."),
        ("numero", "deux", "Saisissez un nombre entier."),
        ("intitule", "x" * 201, "au plus 200 caractères"),
        ("intitule", "", "Ce champ est obligatoire."),
    ],
)
def test_bad_axe_input_is_refused_in_french(client, agent, axe, champ, valeur, erreur):
    client.force_login(agent)

    response = client.post(url_axe(axe), donnees_axe(**{champ: valeur}))

    assert response.status_code == 200
    assert erreur in response.context["form"].errors[champ][0]
    axe.refresh_from_db()
    assert (axe.numero, axe.intitule, axe.couleur) == (1, "Accompagnement", "#1f6f8b")


def test_agent_edits_an_axe(client, agent, axe, objectif):
    client.force_login(agent)

    response = client.post(
        url_axe(axe),
        donnees_axe(
            numero=4, intitule="Aller vers", description="Sortir du CCAS", version=axe.version
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == PLAN
    assert messages_de(response) == ["Axe 4 enregistré."]
    axe.refresh_from_db()
    assert (axe.numero, axe.intitule, axe.description) == (4, "Aller vers", "Sortir du CCAS")
    objectif.refresh_from_db()
    assert objectif.code == "4.1"


def test_an_axe_keeps_its_own_number(client, agent, axe):
    client.force_login(agent)
    response = client.post(
        url_axe(axe), donnees_axe(numero=1, intitule="Accompagner", version=axe.version)
    )
    assert response.status_code == 302
    axe.refresh_from_db()
    assert axe.intitule == "Accompagner"


def test_edit_to_a_taken_axe_number_keeps_the_title(client, agent, axe, axe2):
    client.force_login(agent)

    response = client.post(url_axe(axe2), donnees_axe(numero=1, version=axe2.version))

    assert response.context["form"].errors["numero"] == [NUMERO_AXE_PRIS]
    assert '<h1 class="h2">Modifier l&#x27;axe 2</h1>' in response.content.decode()
    axe2.refresh_from_db()
    assert axe2.numero == 2


@pytest.mark.parametrize("methode", ["get", "post"])
def test_another_projets_axe_is_404(client, agent, axe, autre_projet, methode):
    ailleurs = AxeFactory(projet=autre_projet, numero=1, intitule="Ancien axe")
    client.force_login(agent)

    assert getattr(client, methode)(url_axe(ailleurs), donnees_axe()).status_code == 404
    assert (
        getattr(client, methode)(url_objectif_creer(ailleurs), donnees_objectif()).status_code
        == 404
    )
    ailleurs.refresh_from_db()
    assert ailleurs.intitule == "Ancien axe"
    assert not ailleurs.objectifs.exists()


def test_html_in_a_title_is_shown_as_text(client, agent, axe):
    client.force_login(agent)

    client.post(
        url_axe(axe),
        donnees_axe(numero=1, intitule="<b>Accompagnement</b>", version=axe.version),
    )

    content = client.get(PLAN).content.decode()
    assert "<b>Accompagnement</b>" not in content
    assert "&lt;b&gt;Accompagnement&lt;/b&gt;" in content


# --- Objectives ------------------------------------------------------------------------------


def test_new_objective_defaults_to_the_next_free_number(client, agent, axe, axe2, objectif):
    ObjectifFactory(axe=axe, numero=2)
    ObjectifFactory(axe=axe2, numero=7)
    client.force_login(agent)

    response = client.get(url_objectif_creer(axe))

    assert response.context["form"]["numero"].value() == 3
    assert client.get(url_objectif_creer(axe2)).context["form"]["numero"].value() == 8
    assert "Axe 1 : Accompagnement" in response.content.decode()
    assert "id_axe" not in response.content.decode()  # created under the axe of the URL


def test_agent_creates_an_objective_under_an_axe(client, agent, axe, objectif):
    client.force_login(agent)

    response = client.post(url_objectif_creer(axe), donnees_objectif(), follow=True)

    nouvel = Objectif.objects.get(axe=axe, numero=2)
    assert nouvel.intitule == "Rompre l'isolement"
    assert response.redirect_chain == [(f"{PLAN}#objectif-{nouvel.pk}", 302)]
    assert "Objectif 1.2 enregistré." in response.content.decode()


def test_duplicate_objective_number_is_refused_with_the_model_message(client, agent, axe, objectif):
    client.force_login(agent)

    response = client.post(url_objectif_creer(axe), donnees_objectif(numero=1))

    assert response.status_code == 200
    assert response.context["form"].errors["numero"] == [NUMERO_OBJECTIF_PRIS]
    assert NUMERO_OBJECTIF_PRIS in response.content.decode()
    assert "Rompre l&#x27;isolement" in response.content.decode()
    assert Objectif.objects.count() == 1


def test_objective_number_must_be_positive(client, agent, axe):
    client.force_login(agent)
    response = client.post(url_objectif_creer(axe), donnees_objectif(numero=0))
    assert response.context["form"].errors["numero"] == [
        "Le numéro de l'objectif doit être supérieur ou égal à 1."
    ]
    assert not Objectif.objects.exists()


def test_agent_edits_an_objective(client, agent, axe, objectif):
    client.force_login(agent)

    response = client.post(
        url_objectif(objectif),
        donnees_objectif(
            axe=axe.pk,
            numero=1,
            intitule="Accès aux droits",
            description="ABS",
            version=objectif.version,
        ),
    )

    assert response["Location"] == f"{PLAN}#objectif-{objectif.pk}"
    assert messages_de(response) == ["Objectif 1.1 enregistré."]
    objectif.refresh_from_db()
    assert (objectif.intitule, objectif.description) == ("Accès aux droits", "ABS")


def test_objective_moves_to_another_axe_with_its_actions(client, agent, axe, axe2, objectif):
    action = ActionFactory(objectif=objectif, numero=1)
    ObjectifFactory(axe=axe2, numero=1)
    client.force_login(agent)
    form = client.get(url_objectif(objectif)).context["form"]
    assert list(form.fields["axe"].queryset) == [axe, axe2]

    response = client.post(
        url_objectif(objectif), donnees_objectif(axe=axe2.pk, numero=2, version=objectif.version)
    )

    assert messages_de(response) == ["Objectif 2.2 enregistré."]
    objectif.refresh_from_db()
    assert (objectif.axe, objectif.numero) == (axe2, 2)
    action.refresh_from_db()
    assert action.code == "2.2.1"


def test_moving_onto_a_taken_number_is_refused(client, agent, axe, axe2, objectif):
    ObjectifFactory(axe=axe2, numero=1)
    client.force_login(agent)

    response = client.post(
        url_objectif(objectif), donnees_objectif(axe=axe2.pk, numero=1, version=objectif.version)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["numero"] == [NUMERO_OBJECTIF_PRIS]
    assert response.context["form"].non_field_errors() == []
    assert "Modifier l&#x27;objectif 1.1" in response.content.decode()
    objectif.refresh_from_db()
    assert (objectif.axe, objectif.numero) == (axe, 1)


def test_forged_move_to_another_projets_axe_is_refused(client, agent, autre_projet, objectif):
    ailleurs = AxeFactory(projet=autre_projet, numero=1)
    client.force_login(agent)

    response = client.post(
        url_objectif(objectif),
        donnees_objectif(axe=ailleurs.pk, numero=9, version=objectif.version),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["axe"] == ["Choisissez un axe de ce projet social."]
    objectif.refresh_from_db()
    assert (objectif.axe_id, objectif.numero) != (ailleurs.pk, 9)
    assert objectif.numero == 1


@pytest.mark.parametrize("methode", ["get", "post"])
def test_another_projets_objective_is_404(client, agent, axe, autre_projet, methode):
    ailleurs = ObjectifFactory(axe=AxeFactory(projet=autre_projet), numero=1, intitule="Ancien")
    client.force_login(agent)

    response = getattr(client, methode)(
        url_objectif(ailleurs), donnees_objectif(axe=axe.pk, numero=5)
    )

    assert response.status_code == 404
    ailleurs.refresh_from_db()
    assert (ailleurs.axe.projet, ailleurs.numero, ailleurs.intitule) == (autre_projet, 1, "Ancien")


# --- Two agents, one axe or objective ---------------------------------------------------------


def test_second_save_of_an_axe_is_refused_then_accepted(deux_onglets, axe):
    onglet_1, onglet_2, premier, second = deux_onglets
    saisie_1 = lire_formulaire(onglet_1.get(url_axe(axe)))
    saisie_2 = lire_formulaire(onglet_2.get(url_axe(axe)))
    assert saisie_1["version"] == saisie_2["version"] == "1"
    saisie_1["intitule"] = "Accompagner vers les droits"
    assert onglet_1.post(url_axe(axe), saisie_1).status_code == 302

    saisie_2["description"] = "Les permanences et l'aide aux démarches."
    refus = onglet_2.post(url_axe(axe), saisie_2)

    assert refus.status_code == 409
    assert (
        "Enregistrement refusé : l'axe stratégique a changé entre-temps "
        "Cet axe stratégique a été enregistré par quelqu'un d'autre pendant que vous le "
        "modifiiez. Rien n'a été enregistré de votre côté"
    ) in texte_lu(refus)
    assert changements_du_conflit(refus) == [
        ("Intitulé", "Accompagnement", "Accompagner vers les droits"),
        ("Description", "Les permanences et l'aide aux démarches.", "(vide)"),
    ]
    formulaire = lire_formulaire(refus)
    assert formulaire["description"] == "Les permanences et l'aide aux démarches."
    assert formulaire["version"] == "2"
    axe.refresh_from_db()
    assert (axe.intitule, axe.description, axe.version) == ("Accompagner vers les droits", "", 2)

    assert onglet_2.post(url_axe(axe), formulaire).status_code == 302
    axe.refresh_from_db()
    assert (axe.intitule, axe.description, axe.version) == (
        "Accompagnement",
        "Les permanences et l'aide aux démarches.",
        3,
    )


def test_second_save_of_an_objective_is_refused_then_accepted(deux_onglets, axe, axe2, objectif):
    onglet_1, onglet_2, premier, second = deux_onglets
    saisie_1 = lire_formulaire(onglet_1.get(url_objectif(objectif)))
    saisie_2 = lire_formulaire(onglet_2.get(url_objectif(objectif)))
    saisie_1["axe"] = str(axe2.pk)
    assert onglet_1.post(url_objectif(objectif), saisie_1).status_code == 302

    saisie_2["intitule"] = "Simplifier l'accès aux droits"
    refus = onglet_2.post(url_objectif(objectif), saisie_2)

    assert refus.status_code == 409
    assert (
        "Cet objectif opérationnel a été enregistré par quelqu'un d'autre pendant que vous le "
        "modifiiez."
    ) in texte_lu(refus)
    assert changements_du_conflit(refus) == [
        ("Axe", str(axe), str(axe2)),
        ("Intitulé", "Simplifier l'accès aux droits", "Faciliter l'accès aux droits"),
    ]
    formulaire = lire_formulaire(refus)
    assert (formulaire["intitule"], formulaire["version"]) == ("Simplifier l'accès aux droits", "2")
    objectif.refresh_from_db()
    assert (objectif.axe, objectif.intitule, objectif.version) == (
        axe2,
        "Faciliter l'accès aux droits",
        2,
    )

    assert onglet_2.post(url_objectif(objectif), formulaire).status_code == 302
    objectif.refresh_from_db()
    assert (objectif.axe, objectif.intitule, objectif.version) == (
        axe,
        "Simplifier l'accès aux droits",
        3,
    )


@pytest.mark.parametrize("quoi", ["axe", "objectif"])
def test_a_post_without_the_version_is_refused(client, agent, axe, objectif, quoi):
    obj, adresse = (axe, url_axe(axe)) if quoi == "axe" else (objectif, url_objectif(objectif))
    intitule = obj.intitule
    client.force_login(agent)
    saisie = lire_formulaire(client.get(adresse))
    saisie["intitule"] = "Intitulé forcé"

    response = client.post(adresse, sans_version(saisie))

    assert response.status_code == 200
    assert SANS_VERSION in texte_lu(response)
    obj.refresh_from_db()
    assert (obj.intitule, obj.version) == (intitule, 1)


def test_two_axes_saved_at_once_with_one_number_keep_the_second_input(
    client, agent, projet, monkeypatch
):
    """The form checked the number, then a colleague saved an axe with it first: the
    database refuses the second save; the input stays, with the reason (409, not a 500)."""
    verifier = Axe.validate_constraints

    def verifier_puis_collegue(self, exclude=None):
        verifier(self, exclude=exclude)
        if not Axe.objects.filter(projet=projet, numero=5).exists():
            Axe.objects.create(projet=projet, numero=5, intitule="Axe du collègue")

    monkeypatch.setattr(Axe, "validate_constraints", verifier_puis_collegue)
    client.force_login(agent)

    reponse = client.post(
        AXE_CREER, {"numero": "5", "intitule": "Mon axe", "description": "", "couleur": "#1f6f8b"}
    )

    assert reponse.status_code == 409
    assert "Un axe vient d'être enregistré avec ce numéro par ailleurs" in texte_lu(reponse)
    assert reponse.context["form"]["intitule"].value() == "Mon axe"
    assert list(Axe.objects.filter(numero=5).values_list("intitule", flat=True)) == [
        "Axe du collègue"
    ]
