// The list's filters. Without JavaScript the form is sent by its « Filtrer » button. With it:
// a list or a box applies as soon as it changes (the search still waits for Entrée or the
// button), the control keeps the focus after the page reloads, and
// on a phone the panel starts folded unless the user was in it, so the list comes first.
(function () {
  var CLE = "projet-social-filtres-focus";
  var form = document.querySelector("form[data-filtres-auto]");
  if (!form) {
    return;
  }
  var panneau = form.closest("details[data-replier-telephone]");

  function ouvrirAutour(element) {
    for (var el = element.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") {
        el.open = true;
      }
    }
  }

  var retour = null;
  try {
    retour = window.sessionStorage.getItem(CLE);
    window.sessionStorage.removeItem(CLE);
  } catch (e) {
    retour = null;
  }
  var aFocaliser = retour ? document.getElementById(retour) : null;

  if (panneau && !aFocaliser && window.matchMedia("(max-width: 767.98px)").matches) {
    panneau.open = false;
  }
  if (aFocaliser) {
    ouvrirAutour(aFocaliser);
    aFocaliser.focus();
  }

  form.addEventListener("change", function (event) {
    var cible = event.target;
    if (!cible || cible.type === "search" || cible.type === "text") {
      return;
    }
    try {
      if (cible.id) {
        window.sessionStorage.setItem(CLE, cible.id);
      }
    } catch (e) {
      // Private browsing: the focus simply goes back to the top of the page.
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
