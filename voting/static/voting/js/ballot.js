// Progressive enhancement for the ballot page; the page works the same without it.
// - keeps "N of M categories answered" current as the voter chooses;
// - approval categories: shows how many approvals are left and disables further boxes at
//   the limit (the server refuses an over-limit ballot all the same);
// - after a refused submission, moves focus to the error summary.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot-form");
  if (!form) { return; }

  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) { summary.focus(); }

  function answered(fieldset) {
    var radios = fieldset.querySelectorAll("input[type=radio]:checked");
    for (var i = 0; i < radios.length; i++) { if (radios[i].value !== "") { return true; } }
    if (fieldset.querySelector("input[type=checkbox]:checked")) { return true; }
    var selects = fieldset.querySelectorAll("select");
    for (var j = 0; j < selects.length; j++) { if (selects[j].value !== "") { return true; } }
    return false;
  }

  var progress = document.querySelector("[data-progress]");
  function updateProgress() {
    if (!progress) { return; }
    var total = parseInt(progress.querySelector("[data-progress-total]").textContent, 10);
    var count = 0;
    form.querySelectorAll("fieldset.ballot-category").forEach(function (fieldset) { if (answered(fieldset)) { count += 1; } });
    progress.querySelector("[data-progress-answered]").textContent = String(count);
    var bar = progress.querySelector("progress");
    if (bar) { bar.value = count; }
    progress.classList.toggle("progress--complete", count >= total);
  }

  var approvals = Array.prototype.map.call(form.querySelectorAll("[data-approval-limit]"), function (fieldset) {
    var limit = parseInt(fieldset.dataset.approvalLimit, 10);
    var counter = document.createElement("p");
    counter.className = "approval-counter";
    counter.setAttribute("aria-live", "polite");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    boxes[0].closest("div[id]").before(counter);
    return { limit: limit, counter: counter, boxes: boxes };
  });
  function updateApprovals() {
    approvals.forEach(function (approval) {
      var chosen = 0;
      approval.boxes.forEach(function (box) { if (box.checked) { chosen += 1; } });
      var left = Math.max(0, approval.limit - chosen);
      approval.counter.textContent = chosen >= approval.limit
        ? "You have approved " + chosen + " of " + approval.limit + ": untick one to choose another."
        : "You have approved " + chosen + " of " + approval.limit + ": " + left + " left.";
      approval.counter.classList.toggle("approval-counter--full", chosen >= approval.limit);
      approval.boxes.forEach(function (box) {
        box.disabled = !box.checked && chosen >= approval.limit;
        box.closest("label").classList.toggle("choice--disabled", box.disabled);
      });
    });
  }

  form.addEventListener("change", function () { updateProgress(); updateApprovals(); });
  updateProgress();
  updateApprovals();
})();
