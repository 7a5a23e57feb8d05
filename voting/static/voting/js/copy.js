/*
 * Copy buttons: <button data-copy-target="ID"> copies the element with that id: a field's value
 * (a share link, an embed snippet) or an element's text (a receipt code). Without JavaScript
 * the text is still there to select by hand, and the buttons stay hidden.
 */
(function () {
  "use strict";

  function textOf(element) {
    return "value" in element ? element.value : element.textContent.trim();
  }

  function selectAll(element) {
    if ("select" in element) {
      element.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(element);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }

  function copyFrom(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("data-copied", "");
      window.setTimeout(function () {
        button.textContent = label;
        button.removeAttribute("data-copied");
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(textOf(field)).then(done, function () {
        selectAll(field);
      });
    } else {
      selectAll(field);
      if (document.execCommand("copy")) {
        done();
      }
    }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      copyFrom(button);
    });
  });
})();
