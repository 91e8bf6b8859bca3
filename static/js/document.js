// The « document en préparation » page: looks every few seconds whether the document is
// ready and says so in the page's status region (read out by screen readers), without
// reloading the page nor starting the download: the user decides when to download. Without
// this script, the « Télécharger le document » button gives the document once ready.
(function () {
  var etat = document.getElementById("etat-du-document");
  if (!etat || !window.fetch) {
    return;
  }
  var adresse = etat.getAttribute("data-adresse");
  var essais = 0;
  var MESSAGES = {
    200: "Le document est prêt : téléchargez-le avec le bouton « Télécharger le document ».",
    404: "Ce document n'est plus disponible : le bouton « Télécharger le document » le demande de nouveau.",
    500: "La préparation du document a échoué. Réessayez avec le bouton « Télécharger le document » ; si l'erreur se reproduit, signalez-la à l'administrateur.",
  };

  function dire(message, classe) {
    etat.textContent = message;
    etat.className = "alert " + classe;
  }

  function regarder() {
    essais += 1;
    fetch(adresse, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
      .then(function (reponse) {
        if (reponse.status === 202) {
          // Every 3 s for a minute, then every 10 s, for half an hour at most.
          if (essais < 200) {
            window.setTimeout(regarder, essais < 20 ? 3000 : 10000);
          }
          return;
        }
        if (reponse.status === 200) {
          dire(MESSAGES[200], "alert-success");
        } else {
          dire(MESSAGES[reponse.status === 404 ? 404 : 500], "alert-warning");
        }
      })
      .catch(function () {
        window.setTimeout(regarder, 10000);
      });
  }

  window.setTimeout(regarder, 2000);
})();
