// Time on task: a heartbeat every 30 s, only while the page is visible and the learner has
// done something (scrolled, typed, clicked, moved) in the last minute. Without JavaScript the
// lesson works the same; only time is not counted.
(function () {
  "use strict";
  var article = document.querySelector("[data-heartbeat-url]");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!article || !token || !window.fetch) { return; }
  var url = article.getAttribute("data-heartbeat-url");
  var INTERVAL = 30000, ACTIVE_WINDOW = 60000;
  var lastActivity = Date.now();
  function touch() { lastActivity = Date.now(); }
  ["scroll", "keydown", "pointerdown", "pointermove", "touchstart"].forEach(function (name) {
    window.addEventListener(name, touch, { passive: true });
  });
  function beat() {
    if (document.visibilityState !== "visible") { return; }
    if (Date.now() - lastActivity > ACTIVE_WINDOW) { return; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.getAttribute("content") }
    }).catch(function () { /* offline for a moment: the next beat will try again */ });
  }
  window.setInterval(beat, INTERVAL);
})();

// Quiz countdown: the server enforces the time limit; this only shows what is left.
(function () {
  "use strict";
  var form = document.querySelector("form[data-deadline]");
  if (!form) { return; }
  var deadline = Date.parse(form.getAttribute("data-deadline"));
  var out = form.querySelector(".countdown");
  if (!out || isNaN(deadline)) { return; }
  out.hidden = false;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    out.textContent = "⏱ " + Math.floor(left / 60) + ":" + pad(left % 60);
    if (left === 0) { window.clearInterval(timer); }
  }
  var timer = window.setInterval(tick, 1000);
  tick();
})();
