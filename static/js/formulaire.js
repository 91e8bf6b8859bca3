// Forms that type data (the fiche, an evaluation, the one-form pages).
(function () {
  // 1. A refused form: its error summary takes the focus, so a screen reader reads it and a
  //    keyboard user goes from it to each invalid field.
  var resume = document.querySelector("[data-resume-erreurs]");
  if (resume) {
    resume.focus();
    resume.addEventListener("click", function (evenement) {
      var lien = evenement.target.closest("a[href^='#']");
      if (!lien) {
        return;
      }
      var champ = document.getElementById(decodeURIComponent(lien.hash.slice(1)));
      if (!champ) {
        return;
      }
      evenement.preventDefault();
      var bloc = champ.closest("[hidden]");
      if (bloc) {
        bloc.hidden = false;
      }
      champ.focus();
      // Show the label and the message with the field, not only the input.
      var cadre = champ.closest(".mb-3, td, fieldset") || champ;
      cadre.scrollIntoView({ block: "center" });
      history.replaceState(null, "", lien.hash);
    });
  }

  // 2. A field that matters in one state only (« Motif de l'abandon » with the statut
  //    « Abandonnée »): shown when the chosen value calls for it, or when it has a value or
  //    an error. The server keeps validating it.
  document.querySelectorAll("[data-selon-champ]").forEach(function (bloc) {
    var source = document.getElementById(bloc.dataset.selonChamp);
    if (!source) {
      return;
    }
    function garder() {
      if (bloc.querySelector(".is-invalid")) {
        return true;
      }
      var saisie = bloc.querySelector("textarea, input:not([type=hidden]), select");
      return Boolean(saisie && saisie.value.trim());
    }
    function majour() {
      bloc.hidden = source.value !== bloc.dataset.selonValeur && !garder();
    }
    source.addEventListener("change", majour);
    majour();
  });

  // 3. Ctrl+S (Cmd+S on a Mac) saves the form the focus is in, or the page's only form.
  document.addEventListener("keydown", function (evenement) {
    if (!(evenement.ctrlKey || evenement.metaKey) || evenement.altKey) {
      return;
    }
    if (evenement.key !== "s" && evenement.key !== "S") {
      return;
    }
    var actif = document.activeElement && document.activeElement.closest("form");
    var formulaire = actif
      ? actif.closest("[data-raccourci-enregistrer]")
      : document.querySelector("[data-raccourci-enregistrer]");
    if (!formulaire) {
      return;
    }
    evenement.preventDefault();
    var bouton = formulaire.querySelector("[data-enregistrer]");
    if (formulaire.requestSubmit) {
      formulaire.requestSubmit(bouton || undefined);
    } else if (bouton) {
      bouton.click();
    }
  });
})();
