"""Form rendering shared by the screens that type data: the error summary at the top of a
refused form, and a Bootstrap control rendered without crispy-forms (the fiche's rows: crispy on
about 140 fields made the edit form take 100 ms).

Django (5.0+) already marks an invalid widget ``aria-invalid="true"`` and points its
``aria-describedby`` to ``<id>_helptext`` and ``<id>_error``: the templates render the help and
the errors under those ids (``includes/_champ.html``, crispy's own templates)."""

from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@dataclass(frozen=True)
class ErreurDeChamp:
    """One invalid field, as the summary links to it."""

    ancre: str  # the id of the input the link moves the focus to
    libelle: str
    message: str


@dataclass(frozen=True)
class Resume:
    generales: list[str]
    champs: list[ErreurDeChamp]

    @property
    def nombre(self) -> int:
        return len(self.generales) + len(self.champs)

    def __bool__(self) -> bool:
        return bool(self.nombre)


def _ancre(champ: forms.BoundField) -> str:
    """The id of the field's input; a list of boxes: its first box."""
    if champ.id_for_label:
        return champ.id_for_label
    if champ.auto_id and isinstance(champ.field.widget, forms.RadioSelect):
        # (CheckboxSelectMultiple too: a RadioSelect in Django)
        return f"{champ.auto_id}_0"
    return champ.auto_id or ""


def _erreurs_du_formulaire(form: forms.BaseForm, prefixe_libelle: str, resume: Resume) -> None:
    if not form.is_bound:
        return
    resume.generales.extend(str(e) for e in form.non_field_errors())
    for champ in form:
        if not champ.errors:
            continue
        if champ.is_hidden:  # the version field: nothing to type, the message says what to do
            resume.generales.extend(str(e) for e in champ.errors)
            continue
        libelle = f"{prefixe_libelle}{champ.label}"
        for erreur in champ.errors:
            resume.champs.append(ErreurDeChamp(_ancre(champ), libelle, str(erreur)))


def resumer(*formulaires) -> Resume:
    """The errors of forms and formsets (lists of them accepted), in page order. A formset's
    rows are named by its ``libelle_ligne`` and their number ("Partenaire 2 : Rôle"), or by
    ``libelle_de_ligne(form, numero)`` when it defines one."""
    resume = Resume([], [])
    a_lire = list(formulaires)
    while a_lire:
        objet = a_lire.pop(0)
        if objet is None or objet == "":
            continue
        if isinstance(objet, list | tuple):
            a_lire[:0] = list(objet)
        elif isinstance(objet, BaseFormSet):
            if not objet.is_bound:
                continue
            resume.generales.extend(str(e) for e in objet.non_form_errors())
            nommer = getattr(objet, "libelle_de_ligne", None)
            libelle = getattr(objet, "libelle_ligne", "") or "Ligne"
            for numero, form in enumerate(objet.forms, start=1):
                if not form.errors:
                    continue
                prefixe = f"{nommer(form, numero) if nommer else f'{libelle} {numero}'} : "
                _erreurs_du_formulaire(form, prefixe, resume)
        else:
            _erreurs_du_formulaire(objet, "", resume)
    return resume


@register.inclusion_tag("includes/_erreurs_resume.html")
def resume_des_erreurs(*formulaires, titre: str = "") -> dict:
    """{% resume_des_erreurs form formsets titre="La fiche n'a pas été enregistrée" %}: the
    summary of a refused form, focused on load (static/js/formulaire.js), each invalid field a
    link to its input; nothing when there is no error."""
    return {"resume": resumer(*formulaires), "titre": titre or "Rien n'a été enregistré"}


def _classe_bootstrap(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        return "form-select"
    return "form-control"


@register.filter
def controle(champ: forms.BoundField, taille: str = "") -> str:
    """The field's widget with Bootstrap's class (and ``is-invalid`` when it has an error);
    ``{{ champ|controle:"sm" }}`` for the small size of a table's cell."""
    widget = champ.field.widget
    classe = _classe_bootstrap(widget)
    liste = [widget.attrs.get("class", ""), classe]
    if taille and classe != "form-check-input":
        liste.append(f"{classe}-{taille}")
    if champ.errors:
        liste.append("is-invalid")
    attrs = {"class": " ".join(c for c in liste if c)}
    rendu = RENDUS_DIRECTS.get(widget.template_name)
    if rendu is None or widget.is_localized or champ.field.localize:
        return champ.as_widget(attrs=attrs)
    # As BoundField.as_widget, then the widget's own context, written without its templates.
    attrs = champ.build_widget_attrs(attrs, widget)
    if champ.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", champ.auto_id)
    return rendu(widget.get_context(champ.html_name, champ.value(), attrs)["widget"])


# Django renders a widget, and each option of a select, through a template: on the fiche's
# form (about 90 controls, 300 options) that was most of the page's time. The plain widgets
# are written here from the same context, to the same markup (django/forms/widgets/*.html).


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name."""
    return "".join(
        format_html(" {}", nom) if valeur is True else format_html(' {}="{}"', nom, valeur)
        for nom, valeur in attrs.items()
        if valeur is not False
    )


def _input(w: dict) -> str:
    valeur = "" if w["value"] is None else format_html(' value="{}"', w["value"])
    return mark_safe(
        format_html('<input type="{}" name="{}"', w["type"], w["name"])
        + valeur
        + _attrs(w["attrs"])
        + ">"
    )


def _textarea(w: dict) -> str:
    return mark_safe(
        format_html('<textarea name="{}"', w["name"])
        + _attrs(w["attrs"])
        + ">\n"
        + (conditional_escape(w["value"]) if w["value"] else "")
        + "</textarea>"
    )


def _select(w: dict) -> str:
    morceaux = [format_html('<select name="{}"', w["name"]), _attrs(w["attrs"]), ">"]
    for groupe, options, _index in w["optgroups"]:
        if groupe:
            morceaux.append(format_html('<optgroup label="{}">', groupe))
        for option in options:
            morceaux.append(
                format_html('<option value="{}"', option["value"])
                + _attrs(option["attrs"])
                + format_html(">{}</option>", option["label"])
            )
        if groupe:
            morceaux.append("</optgroup>")
    morceaux.append("</select>")
    return mark_safe("".join(morceaux))


RENDUS_DIRECTS = {
    **{
        f"django/forms/widgets/{nom}.html": _input
        for nom in ("text", "number", "date", "email", "url", "checkbox", "tel", "password")
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}
