"""Django's form renderer, with the drop-down lists and the plain inputs written in Python.

Django draws a ``<select>`` through its template, which includes one template per
``<option>`` and, for each, the template of its attributes: on the fiche's form (26 lists,
305 options) and the action list's filters, a large part of the page's time. The renderer
writes the very same markup (checked character for character against Django's templates on
every screen, tests/test_rendu_des_formulaires.py) in a loop; every other widget keeps its
template. Measured (benchmarks/pages.py, 40 actions): the fiche's form 54 -> 45 ms, the
list 49 -> 43 ms."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# The inputs whose template is Django's input.html, included as is.
ENTREES = {
    f"django/forms/widgets/{nom}.html"
    for nom in (
        "input checkbox color date datetime email hidden number password search tel text time url"
    ).split()
}


def _attributs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {nom}" if valeur is True else f' {nom}="{escape(valeur)}"'
        for nom, valeur in attrs.items()
        if valeur is not False
    )


def _select(widget: dict) -> str | None:
    """django/forms/widgets/select.html and select_option.html; None for an option drawn by
    another template."""
    nom = conditional_escape(widget["name"])
    morceaux = [f'<select name="{nom}"{_attributs(widget["attrs"])}>']
    for groupe, options, _ in widget["optgroups"]:
        if groupe:
            morceaux.append(f'\n  <optgroup label="{conditional_escape(groupe)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None
            morceaux.append(
                f'\n  <option value="{escape(option["value"])}"{_attributs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if groupe:
            morceaux.append("\n  </optgroup>")
    morceaux.append("\n</select>")
    return "".join(morceaux).strip()


def _entree(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    valeur = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{valeur}{_attributs(widget["attrs"])}>'
    )


class RenduDesFormulaires(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        # The widget's own template (not one it includes, nor a form's layout).
        if widget is not None and widget.get("template_name") == template_name:
            if template_name == SELECT:
                html = _select(widget)
                if html is not None:
                    return html
            elif template_name in ENTREES:
                return _entree(widget)
        return super().render(template_name, context, request)
