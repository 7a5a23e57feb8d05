// Nominee descriptions: without JavaScript the "About" link opens the category page in a new
// tab; with it, the description opens in a modal <dialog> and the ballot stays as it was.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-dialog]");
    if (link) {
      var dialog = document.getElementById(link.dataset.dialog);
      if (!dialog) { return; }
      event.preventDefault();
      dialog.showModal();
      return;
    }
    if (event.target.closest("[data-dialog-close]")) {
      event.target.closest("dialog").close();
    } else if (event.target.tagName === "DIALOG") {
      event.target.close(); // a click on the backdrop
    }
  });
})();
