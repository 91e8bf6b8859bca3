from decimal import Decimal

import pytest

from projet_social.widgets import NombreInput


@pytest.mark.parametrize(
    ("valeur", "affiche"),
    [
        (Decimal("20.00"), "20"),
        (Decimal("12.50"), "12.5"),
        (Decimal("100"), "100"),
        (Decimal("0.00"), "0"),
        (None, None),
    ],
)
def test_number_inputs_show_values_as_typed(valeur, affiche):
    html = NombreInput().render("valeur", valeur)
    if affiche is None:
        assert "value=" not in html
    else:
        assert f'value="{affiche}"' in html
