from decimal import Decimal

from django import forms


class NombreInput(forms.NumberInput):
    """A number input that shows 20 rather than 20.00, and 12.5 rather than 12.50."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return super().format_value(value)
