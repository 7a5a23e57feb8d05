// Ranked categories: turn each list of rank selects into "Your ranking" (an ordered list that
// numbers itself) and "Not ranked". Nominees are ranked by tapping "Rank", by dragging the
// handle, or from the keyboard; every change is written back into the selects, so the form
// posts exactly what it posts without JavaScript, and is announced in a live region.
// Keys, on any button of a ranked nominee: Up/Down arrows move it, Home/End to the top or
// bottom, Delete or Backspace moves it back to "Not ranked".
(function () {
  "use strict";

  function ordinal(n) {
    var tens = n % 100;
    if (tens >= 10 && tens <= 20) { return n + "th"; }
    return n + ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  }

  function button(action, text, label) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = "ranker__button ranker__button--" + action;
    el.dataset.action = action;
    el.textContent = text;
    el.setAttribute("aria-label", label);
    return el;
  }

  function enhance(source, number) {
    var key = "ranker-" + number;
    var ranker = document.createElement("div");
    ranker.className = "ranker";
    ranker.innerHTML =
      '<p class="ranker__help" id="' + key + '-help">Tap <strong>Rank</strong> on nominees in the order you prefer them, ' +
      "or drag them by the handle. Keyboard: on a ranked nominee, the arrow keys move it up and down, " +
      "Home and End to the top or bottom, Delete moves it back to “Not ranked”.</p>" +
      '<h3 class="ranker__heading" id="' + key + '-ranked">Your ranking</h3>' +
      '<ol class="ranker__list ranker__list--ranked" aria-labelledby="' + key + '-ranked" aria-describedby="' + key + '-help"></ol>' +
      '<p class="ranker__empty muted">Nothing ranked yet: leave it empty to abstain.</p>' +
      '<h3 class="ranker__heading" id="' + key + '-unranked">Not ranked</h3>' +
      '<ul class="ranker__list ranker__list--unranked" aria-labelledby="' + key + '-unranked"></ul>' +
      '<p class="ranker__all muted">Every nominee is ranked.</p>' +
      '<p class="visually-hidden" aria-live="polite" aria-atomic="true" data-ranker-status></p>';
    var rankedList = ranker.querySelector(".ranker__list--ranked");
    var unrankedList = ranker.querySelector(".ranker__list--unranked");
    var status = ranker.querySelector("[data-ranker-status]");

    var items = Array.prototype.map.call(source.querySelectorAll(".rank-row"), function (row, index) {
      var select = row.querySelector("select");
      var name = row.querySelector(".ballot-nominee__name").textContent.trim();
      var li = document.createElement("li");
      li.className = "ranker__item";
      li.dataset.nominee = row.dataset.nominee;
      var handle = document.createElement("span");
      handle.className = "ranker__handle";
      handle.setAttribute("aria-hidden", "true");
      handle.title = "Drag to reorder";
      var position = document.createElement("span");
      position.className = "ranker__position";
      position.setAttribute("aria-hidden", "true");
      var label = document.createElement("span");
      label.className = "ranker__label";
      label.appendChild(row.querySelector(".ballot-nominee").cloneNode(true));
      var about = row.querySelector(".ballot-nominee__about");
      if (about) { label.appendChild(about); }
      var dialog = row.querySelector("dialog");
      if (dialog) { ranker.appendChild(dialog); }
      var actions = document.createElement("span");
      actions.className = "ranker__actions";
      actions.appendChild(button("add", "Rank", "Rank " + name));
      actions.appendChild(button("up", "↑", "Move " + name + " up"));
      actions.appendChild(button("down", "↓", "Move " + name + " down"));
      actions.appendChild(button("remove", "✕", "Remove " + name + " from your ranking"));
      li.appendChild(handle);
      li.appendChild(position);
      li.appendChild(label);
      li.appendChild(actions);
      return { li: li, select: select, name: name, index: index, rank: parseInt(select.value, 10) || 0 };
    });
    // Ranks as the page arrived (perhaps with gaps or ties): ties keep the listed order.
    var order = items.filter(function (item) { return item.rank > 0; })
      .sort(function (a, b) { return a.rank - b.rank || a.index - b.index; });

    function announce(text) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function render(focus) {
      order.forEach(function (item, i) {
        rankedList.appendChild(item.li);
        item.li.querySelector(".ranker__position").textContent = ordinal(i + 1);
        item.li.classList.add("ranker__item--ranked");
        item.select.value = String(i + 1);
      });
      items.forEach(function (item) {
        if (order.indexOf(item) === -1) {
          unrankedList.appendChild(item.li);
          item.li.querySelector(".ranker__position").textContent = "";
          item.li.classList.remove("ranker__item--ranked");
          item.select.value = "";
        }
      });
      ranker.classList.toggle("ranker--empty", order.length === 0);
      ranker.classList.toggle("ranker--full", order.length === items.length);
      items[0].select.dispatchEvent(new Event("change", { bubbles: true }));
      if (focus) { focus.focus(); }
    }

    function move(item, to) {
      var from = order.indexOf(item);
      to = Math.max(0, Math.min(order.length - 1, to));
      if (from === to) {
        announce(item.name + " is already " + (to === 0 ? "first." : "last."));
        return false;
      }
      order.splice(from, 1);
      order.splice(to, 0, item);
      announce(item.name + " moved to " + ordinal(to + 1) + " of " + order.length + ".");
      return true;
    }

    function act(item, action) {
      var at = order.indexOf(item);
      if (action === "add" && at === -1) {
        order.push(item);
        announce(item.name + " is now your " + ordinal(order.length) + " choice.");
        var next = items.filter(function (other) { return order.indexOf(other) === -1; })[0];
        render((next || item).li.querySelector(next ? "[data-action=add]" : "[data-action=remove]"));
      } else if (action === "remove" && at !== -1) {
        order.splice(at, 1);
        announce(item.name + " removed from your ranking.");
        var after = order[at] || order[at - 1];
        render(after ? after.li.querySelector("[data-action=remove]") : item.li.querySelector("[data-action=add]"));
      } else if (at !== -1) {
        var targets = { up: at - 1, down: at + 1, top: 0, bottom: order.length - 1 };
        if (move(item, targets[action])) {
          render(item.li.querySelector("[data-action=" + (action === "top" || action === "up" ? "up" : "down") + "]"));
        }
      }
    }

    items.forEach(function (item) {
      item.li.addEventListener("click", function (event) {
        var target = event.target.closest("[data-action]");
        if (target) { act(item, target.dataset.action); return; }
        // Tapping a not-ranked nominee anywhere but its link ranks it.
        if (order.indexOf(item) === -1 && !event.target.closest("a")) { act(item, "add"); }
      });
      item.li.addEventListener("keydown", function (event) {
        if (order.indexOf(item) === -1 || event.target.closest("a")) { return; }
        var keys = { ArrowUp: "up", ArrowDown: "down", Home: "top", End: "bottom", Delete: "remove", Backspace: "remove" };
        var action = keys[event.key];
        if (!action || event.altKey || event.ctrlKey || event.metaKey) { return; }
        event.preventDefault();
        act(item, action);
      });
      dragging(item);
    });

    // Pointer dragging, by the handle: a drop marker shows where the nominee will land; the
    // list itself changes on release, so the buttons and keys stay the one way to rank.
    function dragging(item) {
      var handle = item.li.querySelector(".ranker__handle");
      var marker = document.createElement("li");
      marker.className = "ranker__marker";
      marker.setAttribute("aria-hidden", "true");
      var drop = null;

      function place(event) {
        var box = rankedList.getBoundingClientRect();
        var overRanked = event.clientY < box.bottom + 24 || order.length === 0 && event.clientY < box.bottom + 64;
        if (!overRanked) {
          drop = null;
          if (marker.parentNode) { marker.parentNode.removeChild(marker); }
          return;
        }
        var others = order.filter(function (other) { return other !== item; });
        var index = others.length;
        for (var i = 0; i < others.length; i++) {
          var rect = others[i].li.getBoundingClientRect();
          if (event.clientY < rect.top + rect.height / 2) { index = i; break; }
        }
        drop = index;
        rankedList.insertBefore(marker, others[index] ? others[index].li : null);
      }

      handle.addEventListener("pointerdown", function (event) {
        if (event.button !== 0) { return; }
        event.preventDefault();
        handle.setPointerCapture(event.pointerId);
        item.li.classList.add("ranker__item--dragging");
        place(event);
      });
      handle.addEventListener("pointermove", function (event) {
        if (handle.hasPointerCapture(event.pointerId)) { place(event); }
      });
      function finish(event) {
        if (!handle.hasPointerCapture(event.pointerId)) { return; }
        handle.releasePointerCapture(event.pointerId);
        item.li.classList.remove("ranker__item--dragging");
        if (marker.parentNode) { marker.parentNode.removeChild(marker); }
        var at = order.indexOf(item);
        if (drop === null) {
          if (at !== -1) { act(item, "remove"); }
          return;
        }
        if (at !== -1) { order.splice(at, 1); }
        order.splice(drop, 0, item);
        announce(item.name + " is now your " + ordinal(drop + 1) + " choice.");
        render(null);
      }
      handle.addEventListener("pointerup", finish);
      handle.addEventListener("pointercancel", function (event) {
        drop = at0(item);
        finish(event);
      });
    }

    function at0(item) {
      var at = order.indexOf(item);
      return at === -1 ? null : at;
    }

    source.hidden = true;
    source.parentNode.insertBefore(ranker, source.nextSibling);
    render(null);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-rank-list]"), enhance);
})();
