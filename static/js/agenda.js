/* Session agenda page (no inline scripts: the CSP forbids them).
   - The Print button opens the browser's print dialog; the print stylesheet hides the controls.
   - Note boxes grow with their text, so a printed agenda shows every line of every note.
   - Moving, removing or adding an item is its own small form; when notes were typed but not yet
     saved, they are saved first, so nothing typed is lost. Without JavaScript the page still
     works: the notes are saved with "Save agenda". */
(function () {
  "use strict";

  function fit(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }

  function init() {
    var notes = document.getElementById("agenda-notes");
    var areas = document.querySelectorAll("textarea[data-autogrow]");
    var dirty = false;

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    areas.forEach(function (area) {
      fit(area);
      area.addEventListener("input", function () { fit(area); });
    });
    window.addEventListener("beforeprint", function () { areas.forEach(fit); });

    if (!notes) { return; }
    document.addEventListener("input", function (event) {
      if (event.target && event.target.form === notes) { dirty = true; }
    });
    notes.addEventListener("submit", function () { dirty = false; });

    document.querySelectorAll("form[data-agenda-action]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!dirty) { return; }
        event.preventDefault();
        fetch(notes.action, { method: "POST", body: new FormData(notes), credentials: "same-origin" })
          .then(function (response) {
            if (response.ok) {
              dirty = false;
              form.submit();
            } else {
              // Let the notes form show what was wrong with the notes.
              notes.submit();
            }
          })
          .catch(function () { notes.submit(); });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
