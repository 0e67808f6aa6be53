/* While a comparison is queued or running, poll its status and reload when it settles. */
(function () {
  "use strict";
  var pill = document.querySelector("[data-status-url]");
  if (!pill) { return; }
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
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, delay);
})();
