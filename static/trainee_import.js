// Polls the status of a running trainee import and reloads the page when it has finished.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-progress-bar");
  var url = box.getAttribute("data-status-url");

  function show(status) {
    var label = bar.getAttribute(status.phase === "saving" ? "data-saving" : "data-reading");
    if (status.percent !== null) {
      bar.style.width = Math.max(status.percent, 3) + "%";
      bar.textContent = label + " " + status.done + (status.total ? " / " + status.total : "");
    } else {
      bar.textContent = label + " " + status.done;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        show(status);
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
