// flowdrill live pages: Server-Sent Events in, htmx panel refreshes out. No inline script.
(function () {
  "use strict";
  function start() {
    var body = document.body;
    var url = body.dataset.stream;
    var live = document.getElementById("live");
    if (url && window.EventSource) {
      var source = new EventSource(url);
      source.onopen = function () { if (live) { live.textContent = "live"; live.className = "live on"; } };
      source.onerror = function () { if (live) { live.textContent = "reconnecting…"; live.className = "live off"; } };
      source.addEventListener("drill", function (message) {
        var data = JSON.parse(message.data);
        var feed = document.getElementById("feed");
        if (feed && data.html && !feed.querySelector('[data-seq="' + data.seq + '"]')) {
          feed.insertAdjacentHTML("afterbegin", data.html);
        }
        if (window.htmx) { window.htmx.trigger(body, "drill", { seq: data.seq }); }
      });
    }
    // A form that worked is cleared for the next entry (hidden fields and selects stay).
    body.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (form && form.classList && form.classList.contains("reset-on-ok") &&
          event.detail.xhr && event.detail.xhr.status < 300) {
        form.querySelectorAll("textarea, input:not([type=hidden]):not([type=radio])").forEach(function (f) {
          if (!f.readOnly) { f.value = f.defaultValue; }
        });
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
