/*
 * Autosave for the respondent's section pages (progressive enhancement: without this file each
 * page is still a plain form that saves on Previous / Next).
 *
 * Every radio change is queued and sent to PUT /api/v1/respond/answers/ with the revision the
 * page last saw. Saves run one at a time, in order; changes made while a save is in flight go
 * out together in the next one. Answers live only in the page and on the server: nothing is
 * written to localStorage, sessionStorage or cookies.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch) {
    return;
  }

  var url = form.getAttribute("data-autosave-url");
  var doneUrl = form.getAttribute("data-done-url");
  var revisionInput = form.querySelector("input[name=revision]");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var status = document.getElementById("save-status");
  var progress = document.querySelector(".progress");
  var itemCount = Number(form.getAttribute("data-item-count")) || 0;

  var MESSAGES = {
    saving: "Saving…",
    saved: "Saved",
    conflict: "Your answers were changed in another window. We've loaded the latest answers.",
    offline: "Couldn't save — check your connection; we'll retry",
    invalid: "That answer couldn't be saved. Please choose again.",
    ended: "This page has expired. Open the link from your invitation again to continue.",
  };

  var pending = {}; // item id -> value, not yet sent
  var inFlight = false;
  var failures = 0;
  var retryTimer = null;
  var stopped = false;
  var submitAfterSave = null; // {button} while a Previous / Next waits for a save in flight

  function setStatus(kind, text) {
    status.className = "save-status save-status--" + kind;
    status.textContent = text;
  }

  function hasPending() {
    return Object.keys(pending).length > 0;
  }

  function radiosFor(itemId) {
    var fieldset = form.querySelector('fieldset[data-item="' + CSS.escape(itemId) + '"]');
    return fieldset ? fieldset.querySelectorAll("input[type=radio]") : [];
  }

  /* Shows `answers` in the radios of this page; returns true when anything on screen changed. */
  function applyAnswers(answers) {
    var changed = false;
    form.querySelectorAll("fieldset[data-item]").forEach(function (fieldset) {
      var itemId = fieldset.getAttribute("data-item");
      var value = Object.prototype.hasOwnProperty.call(answers, itemId)
        ? String(answers[itemId])
        : null;
      radiosFor(itemId).forEach(function (radio) {
        var shouldCheck = radio.value === value;
        if (radio.checked !== shouldCheck) {
          radio.checked = shouldCheck;
          changed = true;
        }
      });
    });
    return changed;
  }

  function updateProgress(percent) {
    if (!progress || typeof percent !== "number") {
      return;
    }
    var bar = progress.querySelector("progress");
    var label = progress.querySelector("[data-progress-percent]");
    if (bar) {
      bar.value = percent;
      bar.textContent = percent + "%";
    }
    if (label) {
      label.textContent = String(percent);
    }
  }

  function scheduleRetry() {
    failures += 1;
    var delay = Math.min(1000 * Math.pow(2, failures - 1), 30000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }

  /* Sends the page the way the person asked (Previous / Next / Review), carrying every answer on
     it and the revision the last save returned. */
  function submitNow() {
    var button = submitAfterSave.button;
    submitAfterSave = null;
    stopped = true;
    pending = {};
    clearTimeout(retryTimer);
    if (form.requestSubmit) {
      form.requestSubmit(button);
      return;
    }
    if (button && button.name) {
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = button.name;
      carried.value = button.value;
      form.appendChild(carried);
    }
    form.submit();
  }

  function finish() {
    inFlight = false;
    if (submitAfterSave) {
      submitNow();
      return;
    }
    if (hasPending()) {
      flush();
    }
  }

  function handle(sent, response, body) {
    if (response.ok) {
      failures = 0;
      revisionInput.value = String(body.revision);
      updateProgress(body.percent);
      if (!hasPending()) {
        setStatus("saved", MESSAGES.saved);
      }
      return;
    }
    if (response.status === 409 && body && body.current) {
      failures = 0;
      var current = body.current.answers;
      revisionInput.value = String(body.current.revision);
      var ours = Object.keys(sent).every(function (itemId) {
        return sent[itemId] === null
          ? !Object.prototype.hasOwnProperty.call(current, itemId)
          : current[itemId] === sent[itemId];
      });
      if (ours) {
        // A retry of a save whose reply was lost finds its own answers already stored. Unless
        // another window changed something else too, carry on with the queued changes.
        var mine = Object.assign({}, current);
        Object.keys(pending).forEach(function (itemId) {
          mine[itemId] = pending[itemId];
        });
        if (!applyAnswers(mine)) {
          if (!hasPending()) {
            setStatus("saved", MESSAGES.saved);
          }
          return;
        }
      }
      // Changes queued meanwhile were made on the stale page too: the latest answers win.
      pending = {};
      applyAnswers(current);
      if (itemCount) {
        // Private (safety) answers are never sent back, only listed as answered.
        var answered = Object.keys(current).length + (body.current.hidden || []).length;
        updateProgress(Math.floor((answered * 100) / itemCount));
      }
      setStatus("error", MESSAGES.conflict);
      return;
    }
    if (response.status === 409) {
      stopped = true;
      window.location.assign(doneUrl);
      return;
    }
    if (response.status === 400) {
      failures = 0;
      setStatus("error", MESSAGES.invalid);
      return;
    }
    if (response.status === 403) {
      stopped = true;
      setStatus("error", MESSAGES.ended);
      return;
    }
    // A server error: keep the answers and try again, like a dropped connection.
    throw new Error("HTTP " + response.status);
  }

  function flush() {
    if (inFlight || stopped || !hasPending()) {
      return;
    }
    clearTimeout(retryTimer);
    var sent = pending;
    pending = {};
    inFlight = true;
    setStatus("saving", MESSAGES.saving);
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfInput.value,
      },
      body: JSON.stringify({ revision: Number(revisionInput.value), answers: sent }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            handle(sent, response, body);
            finish();
          });
      })
      .catch(function () {
        // Not sent, or no reply: put the answers back under any newer changes and retry.
        Object.keys(sent).forEach(function (itemId) {
          if (!Object.prototype.hasOwnProperty.call(pending, itemId)) {
            pending[itemId] = sent[itemId];
          }
        });
        inFlight = false;
        if (submitAfterSave) {
          submitNow();
          return;
        }
        setStatus("error", MESSAGES.offline);
        scheduleRetry();
      });
  }

  form.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio || radio.type !== "radio" || !radio.checked) {
      return;
    }
    pending[radio.name] = Number(radio.value);
    flush();
  });

  // A page sent while a save is on its way would carry the revision before that save and be
  // refused as changed elsewhere: wait for the save, then send the page with the new revision.
  // The page itself carries every answer on it, so nothing queued needs sending first.
  form.addEventListener("submit", function (event) {
    if (!inFlight) {
      stopped = true;
      pending = {};
      clearTimeout(retryTimer);
      return;
    }
    event.preventDefault();
    submitAfterSave = { button: event.submitter || null };
  });

  // Back online: don't wait for the next backoff step.
  window.addEventListener("online", function () {
    if (hasPending() && !inFlight) {
      failures = 0;
      flush();
    }
  });
})();
