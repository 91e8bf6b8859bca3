import pytest

from projet_social.templatetags.francais import pluriel


def test_zero_and_one_take_the_singular():
    assert [pluriel(n, "action") for n in (0, 1, 2, 40)] == [
        "0 action",
        "1 action",
        "2 actions",
        "40 actions",
    ]
    assert pluriel(1, "bilan annuel,bilans annuels") == "1 bilan annuel"
    assert pluriel(3, "bilan annuel,bilans annuels") == "3 bilans annuels"


@pytest.mark.parametrize(
    ("gabarit", "attendu"),
    [
        ("{{ n }} action{{ n|pluralize }}", {0: "0 action", 1: "1 action", 2: "2 actions"}),
        ("{{ n }} bilan{{ n|pluralize:'s' }} clos", {0: "0 bilan clos", 2: "2 bilans clos"}),
        ("{{ n }} cheva{{ n|pluralize:'l,ux' }}", {1: "1 cheval", 3: "3 chevaux"}),
    ],
)
def test_every_template_writes_french_plurals(gabarit, attendu):
    from django.template import Context, Template

    for n, texte in attendu.items():
        assert Template(gabarit).render(Context({"n": n})) == texte
    assert Template("{{ l|length }} fiche{{ l|pluralize }}").render(Context({"l": []})) == (
        "0 fiche"
    )
