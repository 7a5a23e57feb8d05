// Progressive enhancement for the ballot page: keep "N of M categories answered" current
// as the voter chooses. The page works the same without it.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot-form, form[data-ballot]") || document.querySelector("main form");
  var progress = document.querySelector("[data-progress]");
  if (!form || !progress) { return; }
  var answeredOut = progress.querySelector("[data-progress-answered]");
  var bar = progress.querySelector("progress");
  var total = parseInt(progress.querySelector("[data-progress-total]").textContent, 10);

  function answered(fieldset) {
    var radios = fieldset.querySelectorAll("input[type=radio]:checked");
    for (var i = 0; i < radios.length; i++) { if (radios[i].value !== "") { return true; } }
    if (fieldset.querySelector("input[type=checkbox]:checked")) { return true; }
    var selects = fieldset.querySelectorAll("select");
    for (var j = 0; j < selects.length; j++) { if (selects[j].value !== "") { return true; } }
    return false;
  }

  function update() {
    var count = 0;
    form.querySelectorAll("fieldset").forEach(function (fieldset) { if (answered(fieldset)) { count += 1; } });
    answeredOut.textContent = String(count);
    if (bar) { bar.value = count; }
    progress.classList.toggle("progress--complete", count >= total);
  }

  form.addEventListener("change", update);
  update();
})();
