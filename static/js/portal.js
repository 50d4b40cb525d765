// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]")) {
      target.form.submit();
    }
  });
  // Show the reason of a refused HTMX request where the request came from.
  document.body.addEventListener("htmx:responseError", function (event) {
    var box = event.detail.elt.closest("[data-error-box]") || event.detail.elt;
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = "Something went wrong (" + event.detail.xhr.status + "). Please reload the page.";
    box.appendChild(note);
  });
})();
