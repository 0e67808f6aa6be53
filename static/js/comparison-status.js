/*
 * While a comparison is queued or running, poll its status: the pill follows it (Queued →
 * Running) and the page reloads when it settles (done or failed), showing the result or the
 * reason and a retry button. Without JavaScript the page says to reload it.
 */
(function () {
  "use strict";
  var LABELS = { pending: "Queued", running: "Running" };

  function watch(pill) {
    var url = pill.getAttribute("data-status-url");
    var delay = 1500;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && (body.status === "done" || body.status === "failed")) {
            window.location.reload();
            return;
          }
          if (body && LABELS[body.status] && pill.textContent !== LABELS[body.status]) {
            pill.textContent = LABELS[body.status];
          }
          delay = Math.min(delay * 1.5, 10000);
          window.setTimeout(poll, delay);
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    }
    window.setTimeout(poll, delay);
  }

  document.querySelectorAll("[data-status-url]").forEach(watch);
})();
