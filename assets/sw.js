// The service worker. The server prepends `const VERSION = "<build id>";` and
// `const PRECACHE = [...]`, so a new build is a new worker with a new cache. Wrapped in a
// function because "use strict" only counts as the first statement of its scope.
(() => {
  "use strict";
  importScripts("/pkg/farm-sync.js");

  const CACHE = `goc-${VERSION}`;
  const PAGE_TIMEOUT = 4000;
  const OFFLINE = `<!doctype html><html lang="vi"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Gốc</title>
<p>Không có mạng. Mở lại khi có sóng.</p><p lang="en">No connection.</p></html>`;

  self.addEventListener("install", (event) => {
    // cache: reload, or the HTTP cache could hand the new worker an old build's file.
    event.waitUntil(caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((u) => new Request(u, { cache: "reload" })))));
  });

  // skipWaiting only when the farmer taps "update": a new worker taking over mid-form would
  // pair the open page with another build's files.
  self.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "skipWaiting") self.skipWaiting();
    if (data.type === "keepPage") event.waitUntil(keepPage(data.path).catch(() => {}));
  });

  // The page a farmer opened before this worker controlled it (the first visit) went past
  // it; fetched again once so that it opens without signal too.
  async function keepPage(path) {
    if (typeof path !== "string" || !/^\/farm(\/|$)/.test(path)) return;
    const res = await fetch(path, { credentials: "same-origin" });
    if (res.ok && !res.redirected) await (await caches.open(CACHE)).put(self.location.origin + path, res);
  }

  self.addEventListener("activate", (event) => {
    event.waitUntil((async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("goc-") && n !== CACHE)
        .map((n) => caches.delete(n)));
      // The page request starts while the worker boots: cheap phones boot slowly.
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })());
  });

  // A navigation's response: the preloaded one if the browser started it, else a fetch.
  const network = (event) =>
    Promise.resolve(event.preloadResponse).then((r) => r || fetch(event.request));

  // Build files: the cache holds this build's, and a name changes with its content.
  async function cacheFirst(event) {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request);
    if (hit) return hit;
    // no-cache: a file with a stable name may sit in the HTTP cache from the last build.
    const res = await fetch(event.request, { cache: "no-cache" });
    if (res.ok) event.waitUntil(cache.put(event.request, res.clone()));
    return res;
  }

  // The farmer's pages: fresh when the network answers within seconds, else the copy from
  // the last visit, so the form opens in a field without signal.
  async function farmPage(event) {
    const url = new URL(event.request.url);
    const key = url.origin + url.pathname;
    const cache = await caches.open(CACHE);
    const fresh = network(event);
    // Registered before anyone reads the body, so the clone is taken in time. Redirects
    // (an expired session sent to sign in) and errors are not kept as the page.
    event.waitUntil(fresh.then((res) => {
      if (res.ok && !res.redirected) return cache.put(key, res.clone());
      return undefined;
    }).catch(() => {}));
    try {
      // A server error counts as no answer: yesterday's page beats an error page.
      const usable = fresh.then((res) => (res.status >= 500 ? Promise.reject(res) : res));
      return await Promise.race([usable, new Promise((_, no) => setTimeout(no, PAGE_TIMEOUT))]);
    } catch (_) {
      // The tree page falls back to its cooperative's page, then to any /farm page kept.
      const coop = url.pathname.split("/").slice(0, 3).join("/");
      for (const k of [key, url.origin + coop, url.origin + "/farm"]) {
        const hit = await cache.match(k, { ignoreVary: true });
        if (hit) return hit;
      }
      // Nothing kept: a slow answer is still better than the offline note.
      return fresh.catch(() => new Response(OFFLINE, {
        status: 503, headers: { "content-type": "text/html; charset=utf-8" },
      }));
    }
  }

  async function networkThenCache(event) {
    try {
      return await (event.request.mode === "navigate" ? network(event) : fetch(event.request));
    } catch (e) {
      const hit = await caches.match(event.request, { ignoreVary: true });
      if (hit) return hit;
      throw e;
    }
  }

  self.addEventListener("fetch", (event) => {
    const req = event.request;
    const url = new URL(req.url);
    // Posts, the API and other sites go straight to the network, untouched.
    if (req.method !== "GET" || url.origin !== self.location.origin
      || url.pathname.startsWith("/api/")) return;
    if (url.pathname.startsWith("/pkg/")) {
      event.respondWith(cacheFirst(event));
    } else if (req.mode === "navigate"
      && (url.pathname === "/farm" || url.pathname.startsWith("/farm/"))) {
      event.respondWith(farmPage(event));
    } else {
      event.respondWith(networkThenCache(event));
    }
  });

  async function tellPages(message) {
    for (const c of await self.clients.matchAll({ type: "window" })) c.postMessage(message);
  }

  // Chrome's Background Sync: the same upload as the page's, run when signal returns even if
  // the page was closed. Rejecting on no network makes the browser try again later.
  self.addEventListener("sync", (event) => {
    if (event.tag !== "goc-diary") return;
    event.waitUntil(self.gocOutbox.sync().then(async (outcome) => {
      await tellPages({ type: "synced", state: outcome.state });
      if (outcome.state === "offline") throw new Error("no network; the browser retries");
    }));
  });
})();
