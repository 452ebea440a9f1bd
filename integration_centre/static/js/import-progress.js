// The import's progress page: asks the status endpoint every few seconds and updates the bar;
// reloads the page once the import has finished (the report is then shown). Without this file a
// <noscript> meta refresh does the same, more coarsely.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var text = document.getElementById("progress-text");
  var status = document.getElementById("import-status");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        if (state.finished) {
          window.location.reload();
          return;
        }
        bar.max = state.total || Math.max(state.done, 1);
        bar.value = state.done;
        text.textContent = state.done + " / " + (state.total || "?");
        status.textContent = state.label;
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
