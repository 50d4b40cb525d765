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

  // The dashboard chart: the day under the pointer or keyboard focus, spelled out under the chart.
  var showDay = function (event) {
    var day = event.target.closest && event.target.closest(".chart-day");
    var readout = day && day.closest(".chart-wrap").querySelector("[data-chart-readout]");
    if (readout) { readout.textContent = day.getAttribute("aria-label"); }
  };
  document.addEventListener("focusin", showDay);
  document.addEventListener("mouseover", showDay);

  // Cancel and remove: ask first, then wait UNDO seconds with an "Undo" button before anything is
  // sent (nothing to take back: no notification goes out for an undone cancel). Leaving the page
  // while it waits sends it at once (a beacon), as the person confirmed it.
  var pendingUndo = null;
  var waitWithUndo = function (form, go) {
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { return; }
    if (pendingUndo) { pendingUndo.finish(true); }  // one at a time: the earlier one goes now
    var seconds = parseInt(form.getAttribute("data-undo-seconds") || "10", 10);
    var buttons = form.querySelectorAll("button");
    var toast = document.createElement("div");
    toast.className = "undo-toast";
    toast.setAttribute("role", "status");
    var text = document.createElement("span");
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "small secondary";
    undo.textContent = "Undo";
    toast.appendChild(text);
    toast.appendChild(undo);
    document.body.appendChild(toast);
    var say = function () { text.textContent = form.getAttribute("data-undo") + " in " + seconds + " s "; };
    var timer = null;
    var pending = {
      finish: function (send) {
        window.clearInterval(timer);
        pendingUndo = null;
        buttons.forEach(function (b) { b.disabled = false; });
        if (send) { toast.remove(); go(); return; }
        text.textContent = "Undone: nothing was changed. ";
        undo.remove();
        window.setTimeout(function () { toast.remove(); }, 4000);
        var first = buttons[0];
        if (first) { first.focus(); }
      },
      beacon: function () {
        window.clearInterval(timer);
        pendingUndo = null;
        if (!navigator.sendBeacon(form.action, new FormData(form))) {
          fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: true});
        }
      }
    };
    buttons.forEach(function (b) { b.disabled = true; });
    say();
    undo.addEventListener("click", function () { pending.finish(false); });
    timer = window.setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) { pending.finish(true); } else { say(); }
    }, 1000);
    pendingUndo = pending;
    undo.focus();
  };
  document.body.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-undo]")) { return; }
    event.preventDefault();
    waitWithUndo(form, function () { event.detail.issueRequest(true); });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-undo]") || form.hasAttribute("hx-post")) { return; }
    event.preventDefault();
    waitWithUndo(form, function () { HTMLFormElement.prototype.submit.call(form); });
  });
  window.addEventListener("pagehide", function () { if (pendingUndo) { pendingUndo.beacon(); } });

  // Installable app: the service worker gives an offline page and shows push notifications.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  }

  // "Turn on notifications": on a tap (browsers ask permission only on a user gesture), subscribe
  // through the service worker with the portal's VAPID public key and save the subscription.
  var pushBox = document.querySelector("[data-push-subscribe]");
  if (pushBox && "serviceWorker" in navigator && "PushManager" in window && window.isSecureContext) {
    var pushStatus = pushBox.querySelector("[data-push-status]");
    var say = function (text) { pushStatus.textContent = text; };
    var applicationServerKey = function (base64url) {
      var base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
      return Uint8Array.from(window.atob(base64), function (c) { return c.charCodeAt(0); });
    };
    pushBox.hidden = false;
    pushBox.querySelector("button").addEventListener("click", function () {
      say("Asking this browser…");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { throw new Error("denied"); }
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(pushBox.getAttribute("data-push-public-key"))
        });
      }).then(function (subscription) {
        var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");  // carries the CSRF token
        return fetch(pushBox.getAttribute("data-push-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": headers["X-CSRFToken"] || ""},
          body: JSON.stringify(subscription.toJSON())
        });
      }).then(function (response) {
        if (!response.ok) { throw new Error("refused"); }
        say("Notifications are on for this device.");
        window.setTimeout(function () { window.location.reload(); }, 1200);
      }).catch(function (error) {
        say(error && error.message === "denied"
          ? "Notifications are blocked for this site: allow them in the browser's site settings."
          : "Notifications could not be turned on. Please try again.");
      });
    });
  }

  // Live: poll /live/ (304 while nothing changed) and update the nav badges, the tab title and,
  // on the dashboard, the Action Center — unless the owner is typing an answer there.
  var liveUrl = document.body.getAttribute("data-live-url");
  if (liveUrl && window.fetch) {
    var baseTitle = document.title;
    var etag = null;
    var version = null;
    var pollSeconds = 15;
    var lastCounts = {};
    var showCounts = function (counts) {
      document.querySelectorAll("[data-live-count]").forEach(function (badge) {
        var n = counts[badge.getAttribute("data-live-count")] || 0;
        badge.textContent = n;
        if (badge.hasAttribute("data-keep-zero")) {  // the Action Center's own counters read "0"
          badge.classList.toggle("danger", badge.classList.contains("badge") && n > 0);
          return;
        }
        badge.hidden = n === 0;
        badge.setAttribute("aria-label", n + " waiting");
      });
      lastCounts = counts;
      var total = counts.action_center || 0;
      document.title = (total ? "(" + total + ") " : "") + baseTitle;
    };
    var refreshActionCenter = function () {
      var box = document.getElementById("action-center");
      if (!box || !window.htmx) { return; }
      if (box.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) {
        if (!document.getElementById("live-notice")) {
          var notice = document.createElement("p");
          notice.id = "live-notice";
          notice.className = "live-notice";
          notice.setAttribute("role", "status");
          notice.innerHTML = "Something new arrived. <a href=\"\">Show it</a>";
          box.insertBefore(notice, box.children[1] || null);
        }
        return;
      }
      // The lines the owner opened, and the one they are on, stay so after the refresh.
      var opened = Array.prototype.map.call(box.querySelectorAll("details[open][id]"), function (d) { return d.id; });
      var focusedId = box.contains(document.activeElement) ? document.activeElement.id : "";
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: "#action-center", select: "#action-center", swap: "outerHTML"
      }).then(function () {
        showCounts(lastCounts);  // the swap resets the tab title
        opened.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
        var again = focusedId && document.getElementById(focusedId);
        if (again) { again.focus(); }
      });
    };
    var pollTimer = null;
    var poll = function (quiet) {
      var headers = {"Accept": "application/json"};
      if (etag) { headers["If-None-Match"] = etag; }
      fetch(liveUrl, {headers: headers, cache: "no-store", credentials: "same-origin"}).then(function (response) {
        if (response.status !== 200) { return null; }
        etag = response.headers.get("ETag");
        return response.json();
      }).then(function (data) {
        if (!data) { return; }
        pollSeconds = data.poll_seconds || pollSeconds;
        showCounts(data);
        if (version !== null && data.version !== version && quiet !== true) { refreshActionCenter(); }
        version = data.version;
      }).catch(function () {}).then(function () {
        window.clearTimeout(pollTimer);
        pollTimer = window.setTimeout(poll, pollSeconds * 1000);
      });
    };
    poll();

    // An in-place answer in the Action Center (conflicts' and portal's answer views send
    // HX-Trigger "pending-answered" before the swap): the focus moves to the next line's summary
    // (or the heading after the last), and every counter, badge and the tab title are read again
    // at once — quietly: the answered line stays, showing its answer, until the next change.
    document.body.addEventListener("pending-answered", function (event) {
      var line = event.target.closest && event.target.closest("[data-line]");
      if (line) {
        var next = line.nextElementSibling;
        while (next && !next.matches("[data-line]")) { next = next.nextElementSibling; }
        var target = next ? next.querySelector("summary") : document.getElementById("ac-heading");
        window.setTimeout(function () { if (target) { target.focus(); } }, 0);
      }
      poll(true);
    });
  }
})();
