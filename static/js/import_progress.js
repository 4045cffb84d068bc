// Poll the import job's JSON status until it is done or failed.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box) return;
  const url = box.dataset.statusUrl;
  function show(data) {
    const pct = Math.round((data.progress || 0) * 100);
    const status = document.getElementById("import-status");
    status.textContent = data.status;
    status.className = "badge " + data.status;
    document.getElementById("import-bar").style.width = pct + "%";
    box.querySelector("[role=progressbar]").setAttribute("aria-valuenow", String(pct));
    document.getElementById("import-message").textContent = data.message || "";
    const error = document.getElementById("import-error");
    error.hidden = !data.error;
    error.textContent = data.error || "";
    document.getElementById("import-report").hidden = data.status !== "done";
  }
  async function poll() {
    try {
      const response = await fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"});
      if (response.ok) {
        const data = await response.json();
        show(data);
        if (data.finished) return;
      }
    } catch (err) { /* network hiccup: try again */ }
    window.setTimeout(poll, 1000);
  }
  poll();
})();
