// Reading page: active-time tracker (pauses when the tab is hidden or the reader is idle), heartbeats to the
// server, live read-outs of confidence sliders, and the origin question shown only for liver metastasis.
(function () {
  "use strict";
  const IDLE_AFTER_MS = 60 * 1000;
  const TICK_MS = 1000;
  const HEARTBEAT_MS = 15 * 1000;

  const root = document.getElementById("reading-root");
  if (!root) return;
  const heartbeatUrl = root.dataset.heartbeatUrl;
  const locked = root.dataset.locked === "true";
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const display = document.getElementById("active-time");
  const hiddenField = document.getElementById("id_active_seconds");

  let lastActivity = Date.now();
  let lastTick = Date.now();
  let activeMs = 0;
  let unsentMs = 0;

  function isActive() {
    return document.visibilityState === "visible" && Date.now() - lastActivity < IDLE_AFTER_MS;
  }
  function format(ms) {
    const s = Math.floor(ms / 1000);
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  function tick() {
    const now = Date.now();
    const elapsed = Math.min(now - lastTick, 5 * TICK_MS);  // a suspended tab does not count
    lastTick = now;
    const active = isActive();
    if (active) { activeMs += elapsed; unsentMs += elapsed; }
    if (display) {
      display.textContent = "Active reading time " + format(activeMs) + (active ? "" : " (paused)");
      display.classList.toggle("paused", !active);
    }
    if (hiddenField) hiddenField.value = (activeMs / 1000).toFixed(1);
  }
  function sendHeartbeat(useBeacon) {
    if (!heartbeatUrl || locked || unsentMs < 500) return;
    const body = new URLSearchParams({active_seconds: (unsentMs / 1000).toFixed(1)});
    unsentMs = 0;
    const headers = {"X-CSRFToken": csrfInput ? csrfInput.value : ""};
    fetch(heartbeatUrl, {method: "POST", body: body, headers: headers, credentials: "same-origin",
      keepalive: Boolean(useBeacon)}).catch(function () { /* the next heartbeat carries on */ });
  }
  function markActivity() { lastActivity = Date.now(); }
  ["mousemove", "mousedown", "keydown", "wheel", "touchstart", "pointerdown", "input"].forEach(function (name) {
    document.addEventListener(name, markActivity, {passive: true, capture: true});
  });
  document.addEventListener("visibilitychange", function () {
    tick();
    if (document.visibilityState === "hidden") sendHeartbeat(true);
    else markActivity();
  });
  if (!locked) {
    window.setInterval(tick, TICK_MS);
    window.setInterval(function () { sendHeartbeat(false); }, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () { sendHeartbeat(true); });
  }

  // Confidence sliders show their value next to them.
  document.querySelectorAll("input[type=range][data-output]").forEach(function (slider) {
    const out = document.getElementById(slider.dataset.output);
    const show = function () { if (out) out.textContent = slider.value; };
    slider.addEventListener("input", show);
    show();
  });

  // The origin question applies only to liver metastasis.
  const originBlock = document.getElementById("origin-question");
  function syncOrigin() {
    if (!originBlock) return;
    const chosen = document.querySelector("input[name=diagnosis]:checked");
    const isLM = Boolean(chosen && chosen.value === "LM");
    originBlock.hidden = !isLM;
    originBlock.querySelectorAll("input, select").forEach(function (el) { el.disabled = !isLM || locked; });
  }
  document.querySelectorAll("input[name=diagnosis]").forEach(function (el) {
    el.addEventListener("change", syncOrigin);
  });
  syncOrigin();

  // Overlay toggles drive the viewer's own overlay buttons (and follow them when the reader uses the viewer's
  // toolbar or its O / H keys). The viewer fetches overlays only from gated endpoints.
  const VIEWER_ACTIONS = {masks: "ai-mask", heatmaps: "ai-heatmap"};
  function viewerButton(toggle) {
    return document.querySelector('[data-rs-viewer] [data-action="' + VIEWER_ACTIONS[toggle.dataset.overlay] + '"]');
  }
  document.querySelectorAll("input[data-overlay]").forEach(function (toggle) {
    toggle.addEventListener("change", function () {
      const button = viewerButton(toggle);
      if (button && (button.getAttribute("aria-pressed") === "true") !== toggle.checked) button.click();
    });
  });
  const host = document.querySelector("[data-rs-viewer]");
  if (host && window.MutationObserver) {
    new MutationObserver(function () {
      document.querySelectorAll("input[data-overlay]").forEach(function (toggle) {
        const button = viewerButton(toggle);
        if (button) toggle.checked = button.getAttribute("aria-pressed") === "true";
      });
    }).observe(host, {subtree: true, attributes: true, attributeFilter: ["aria-pressed"]});
  }

  // A double click on submit sends once; the server ignores a double submit anyway.
  const form = document.getElementById("answer-form");
  if (form) form.addEventListener("submit", function () {
    tick();
    const button = form.querySelector("button[type=submit]");
    if (button) window.setTimeout(function () { button.disabled = true; }, 0);
  });
})();
