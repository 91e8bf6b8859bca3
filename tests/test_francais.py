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
