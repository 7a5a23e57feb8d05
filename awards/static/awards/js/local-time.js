// Times in the viewer's own time zone. The server writes every time as
// <time datetime="…" data-local> in UTC, zone named (what a reader without JavaScript sees;
// awards/templatetags/local_time.py); here it is rewritten in the browser's zone, zone named.
// data-local="date", "long_date" and "day_month" show the day only.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var full = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  var shown = {
    "": full,
    "date": { day: "numeric", month: "short", year: "numeric" },
    "long_date": { day: "numeric", month: "long", year: "numeric" },
    "day_month": { day: "numeric", month: "short" }
  };
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    var options = shown[el.dataset.local];
    if (isNaN(when.getTime()) || !options) { return; }
    // Full times keep the UTC text as their title; days get the time and zone there.
    el.title = options === full ? el.textContent.trim() : new Intl.DateTimeFormat(undefined, full).format(when);
    el.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
  });
})();
