// Times in the viewer's own time zone: <time datetime="…" data-local> shows UTC from the
// server (and without JavaScript); here it is rewritten in the browser's zone, zone named.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var withTime = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  var dateOnly = { day: "numeric", month: "short", year: "numeric" };
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) { return; }
    var options = el.dataset.local === "date" ? dateOnly : withTime;
    el.title = el.textContent.trim();
    el.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
  });
})();
