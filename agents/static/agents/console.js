// The agent console's keyboard: "/" finds a Location, j/k move through the slots, Enter
// chooses or confirms (the browser's own), Esc closes the open panel, "?" lists the shortcuts.
// Every action also works with Tab and Enter, and every page works without this file.
(function () {
  "use strict";
  var typing = function (element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  };
  var shortcuts = document.getElementById("shortcuts");
  var toggleShortcuts = function () {
    if (!shortcuts) { return; }
    if (shortcuts.open) { shortcuts.close(); } else { shortcuts.showModal(); }
  };
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
    button.addEventListener("click", toggleShortcuts);
  });
  var slots = function () { return Array.prototype.slice.call(document.querySelectorAll("[data-slot]")); };
  var moveSlot = function (step) {
    var all = slots();
    if (!all.length) { return; }
    var index = all.indexOf(document.activeElement);
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    all[next].focus();
  };
  var closePanel = function () {
    var close = document.querySelector("[data-panel-close]");
    if (close) { window.location.assign(close.getAttribute("href")); return true; }
    var open = document.querySelector("details[open][data-closable]");
    if (open) { open.open = false; return true; }
    return false;
  };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      if (shortcuts && shortcuts.open) { return; }  // the dialog closes itself
      if (event.target.type === "search" && event.target.value) { return; }  // Esc clears a search first
      if (closePanel()) { event.preventDefault(); }
      return;
    }
    if (typing(event.target)) { return; }
    if (event.key === "/") {
      var finder = document.querySelector("[data-finder]");
      if (finder) { event.preventDefault(); finder.focus(); finder.select(); }
    } else if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      moveSlot(event.key === "j" ? 1 : -1);
    } else if (event.key === "?") {
      event.preventDefault();
      toggleShortcuts();
    }
  });
  // The page's first move: the confirm button, the owner's answer, or the first free slot.
  var first = document.querySelector("[data-autofocus]");
  if (first && !document.querySelector("[autofocus]:focus")) { first.focus({preventScroll: false}); }
})();
