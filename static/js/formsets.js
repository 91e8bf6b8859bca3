// "Ajouter une ligne": copy the formset's empty row and count it in TOTAL_FORMS.
// Without JavaScript the form still works: it always renders a few empty rows.
document.querySelectorAll("[data-ajouter-ligne]").forEach(function (bouton) {
  var prefixe = bouton.dataset.ajouterLigne;
  var total = document.getElementById("id_" + prefixe + "-TOTAL_FORMS");
  var modele = document.getElementById("modele-" + prefixe);
  var lignes = document.querySelector("#formset-" + prefixe + " .formset-lignes");
  bouton.hidden = false;
  bouton.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = modele.innerHTML.replace(/__prefix__/g, String(index));
    lignes.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var nouvelle = lignes.lastElementChild.querySelector(
      "input:not([type=hidden]), select, textarea"
    );
    if (nouvelle) {
      nouvelle.focus();
    }
  });
});
