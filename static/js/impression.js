// Printing: the closed <details> ("voir les données", an axe folded on the plan) are opened
// before printing and folded back afterwards, as the reader left them. print.css does it
// through ::details-content where the browser has it; this covers the others (Firefox ESR).
(function () {
  var fermes = [];
  window.addEventListener("beforeprint", function () {
    fermes = Array.prototype.filter.call(document.querySelectorAll("details"), function (el) {
      return !el.open;
    });
    fermes.forEach(function (el) {
      el.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    fermes.forEach(function (el) {
      el.open = false;
    });
    fermes = [];
  });
})();
