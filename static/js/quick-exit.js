/*
 * Quick exit on every respondent page. Without this file the "Quick exit" link still ends the
 * session and lands on a neutral page; with it, the exit replaces the current history entry, so
 * the back button does not return to the questionnaire. Pressing Escape twice does the same.
 */
(function () {
  "use strict";

  var link = document.querySelector("a[data-quick-exit]");
  if (!link) {
    return;
  }
  var DOUBLE_PRESS_MS = 1000;
  var lastEscape = 0;
  var leaving = false;

  function leave() {
    if (leaving) {
      return;
    }
    leaving = true;
    document.documentElement.classList.add("is-leaving");
    window.location.replace(link.href);
  }

  // Every click leaves in this tab: a modifier key must not open the exit elsewhere and leave
  // the questionnaire on screen.
  link.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape <= DOUBLE_PRESS_MS) {
      event.preventDefault();
      leave();
    }
    lastEscape = now;
  });
})();
