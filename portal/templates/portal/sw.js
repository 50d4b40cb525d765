/* ProNexis service worker (scope "/"): an offline page for the installed app, and push
   notifications that open the item's page when tapped. Portal pages are never cached: owners
   must always see live data, so only the offline page and its stylesheet are kept. */
"use strict";
var CACHE = "pronexis-shell-v1";
var OFFLINE_URL = "{{ offline_url|escapejs }}";
var SHELL = [OFFLINE_URL, "{{ css_url|escapejs }}", "{{ icon_url|escapejs }}"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) {
      return caches.delete(key);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  if (event.request.mode !== "navigate") {
    return;
  }
  event.respondWith(fetch(event.request).catch(function () {
    return caches.match(OFFLINE_URL);
  }));
});

function sameOrigin(path) {
  var url = new URL(path || "/", self.location.origin);
  return url.origin === self.location.origin ? url : new URL("/", self.location.origin);
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {body: event.data.text()}; }
  // Buttons (e.g. "Got it" on an urgent item): shown by title, their addresses kept for the click.
  var actions = (Array.isArray(data.actions) ? data.actions : []).filter(function (action) {
    return action && action.action && action.title && action.url;
  }).slice(0, 2);
  var targets = {};
  actions.forEach(function (action) { targets[action.action] = {url: action.url, page: action.page || data.url}; });
  event.waitUntil(self.registration.showNotification(data.title || "ProNexis", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "{{ icon_url|escapejs }}",
    actions: actions.map(function (action) { return {action: action.action, title: action.title}; }),
    data: {url: data.url || "/", actions: targets}
  }));
});

function openPage(href) {
  return self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === href && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(href);
  });
}

/* An action button POSTs its signed link (the token is the credential: no cookie is sent, so no
   CSRF token is needed); when that fails, the link's page opens and says why. A tap on the
   notification itself opens the item's page. */
function runAction(target) {
  return fetch(sameOrigin(target.url).href, {method: "POST", credentials: "omit", headers: {"Accept": "application/json"}})
    .then(function (response) {
      if (!response.ok) { return openPage(sameOrigin(target.page).href); }
      return undefined;
    })
    .catch(function () { return openPage(sameOrigin(target.page).href); });
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var target = event.action && data.actions ? data.actions[event.action] : null;
  event.waitUntil(target ? runAction(target) : openPage(sameOrigin(data.url).href));
});
