// "Copy the code" next to a receipt: shown only where the clipboard can be written.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.copy);
    var status = holder.querySelector("[data-copy-status]");
    holder.hidden = false;
    holder.querySelector("button").addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () { status.textContent = "Copied."; },
        function () { status.textContent = "Could not copy: select the code and copy it."; }
      );
    });
  });
})();
