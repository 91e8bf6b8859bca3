// « Ajouter » under a table of rows: copy the formset's template row and count it in
// TOTAL_FORMS, then focus its first field. Without JavaScript the button submits the form,
// which comes back with one more row (actions/views/fiche.py, _ligne_ajoutee).
document.querySelectorAll("[data-ajouter-ligne]").forEach(function (bouton) {
  var prefixe = bouton.dataset.ajouterLigne;
  var total = document.getElementById("id_" + prefixe + "-TOTAL_FORMS");
  var modele = document.getElementById("modele-" + prefixe);
  var bloc = document.getElementById("formset-" + prefixe);
  if (!total || !modele || !bloc) {
    return;
  }
  var lignes = bloc.querySelector(".formset-lignes");
  bouton.addEventListener("click", function (evenement) {
    evenement.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var html = modele.innerHTML.replace(/__prefix__/g, String(index));
    lignes.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    bloc.querySelectorAll(".formset-table").forEach(function (table) {
      table.hidden = false;
    });
    bloc.querySelectorAll(".formset-vide").forEach(function (vide) {
      vide.hidden = true;
    });
    var premier = lignes.lastElementChild.querySelector(
      "input:not([type=hidden]), select, textarea"
    );
    if (premier) {
      premier.focus();
    }
  });
});
