// The diary outbox, shared by the farmer's page (farm.js) and the service worker (sw.js,
// through importScripts), so both store and upload entries the same way. A classic script
// with one global: workers cannot import modules by importScripts.
// Upload order and statuses: docs/diary-sync.md.
"use strict";
self.gocOutbox = (() => {
  const BATCH = 500;
  // Under the server's 1 MiB with room to spare; small requests also survive weak signal.
  const BATCH_BYTES = 512 * 1024;
  let opening = null;

  const ask = (req) => new Promise((ok, no) => {
    req.onsuccess = () => ok(req.result);
    req.onerror = () => no(req.error);
  });

  function open() {
    if (opening) return opening;
    opening = new Promise((ok, no) => {
      const req = indexedDB.open("goc-diary", 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        const have = (n) => db.objectStoreNames.contains(n);
        if (!have("entries")) db.createObjectStore("entries", { keyPath: "id" });
        if (!have("photos")) db.createObjectStore("photos");
        if (!have("meta")) db.createObjectStore("meta");
      };
      req.onsuccess = () => {
        const db = req.result;
        // A newer page or worker wants to upgrade the schema: let go instead of blocking it.
        db.onversionchange = () => { db.close(); opening = null; };
        // The browser closed it (site data cleared): open afresh next time.
        db.onclose = () => { opening = null; };
        ok(db);
      };
      req.onerror = () => { opening = null; no(req.error); };
    });
    return opening;
  }

  // Runs fn inside one transaction and resolves once the transaction has committed. fn may
  // await IndexedDB requests only: awaiting anything else lets the transaction auto-commit.
  async function tx(stores, mode, fn, options) {
    const db = await open();
    const t = db.transaction(stores, mode, options);
    const done = new Promise((ok, no) => {
      t.oncomplete = () => ok();
      t.onerror = () => no(t.error);
      t.onabort = () => no(t.error || new DOMException("transaction aborted", "AbortError"));
    });
    let result;
    try {
      result = await fn(t);
    } catch (e) {
      try { t.abort(); } catch (_) { /* already finished */ }
      await done.catch(() => {});
      throw e;
    }
    await done;
    return result;
  }

  const getMeta = (key) => tx("meta", "readonly", (t) => ask(t.objectStore("meta").get(key)));
  const setMeta = (key, value) => tx("meta", "readwrite", (t) => { t.objectStore("meta").put(value, key); });
  // A shared phone: each entry belongs to the member who saved it (their pseudonym in the
  // cooperative), and only that member's session sends or counts it.
  let current = null;
  const setUser = (user) => {
    current = user;
    return setMeta("user", user);
  };
  const list = async () => {
    const user = current || (await getMeta("user"));
    const all = await tx("entries", "readonly", (t) => ask(t.objectStore("entries").getAll()));
    return all.filter((r) => !r.user || r.user === user);
  };
  const pending = async () => (await list()).filter((r) => r.state === "queued").length;

  // The farmer is told "saved" only after this resolves, so ask for a flush to disk.
  function save(records, photos) {
    return tx(["entries", "photos"], "readwrite", (t) => {
      const ps = t.objectStore("photos");
      for (const [sha, value] of photos) ps.put(value, sha);
      const es = t.objectStore("entries");
      for (const r of records) es.add(r); // add, not put: a queued entry is never rewritten
    }, { durability: "strict" });
  }

  // Photos belong to entries: one no entry cites any more is dropped in the same transaction.
  async function dropOrphanPhotos(t) {
    const cited = new Set();
    for (const r of await ask(t.objectStore("entries").getAll())) {
      for (const sha of r.body.photos || []) cited.add(sha);
    }
    const ps = t.objectStore("photos");
    for (const sha of await ask(ps.getAllKeys())) if (!cited.has(sha)) ps.delete(sha);
  }

  function discard(id) {
    return tx(["entries", "photos"], "readwrite", async (t) => {
      t.objectStore("entries").delete(id);
      await dropOrphanPhotos(t);
    });
  }

  // Acknowledged entries leave the queue; refused ones stay, frozen, with the server's words.
  function settle(results) {
    return tx(["entries", "photos"], "readwrite", async (t) => {
      const es = t.objectStore("entries");
      for (const res of results) {
        if (res.status === "stored" || res.status === "duplicate") {
          es.delete(res.id);
        } else if (res.status === "conflict" || res.status === "rejected") {
          const rec = await ask(es.get(res.id));
          if (rec) es.put({ ...rec, state: res.status, message: res.message || null });
        }
      }
      await dropOrphanPhotos(t);
    });
  }

  // Weak 2G stays "online" while nothing moves: give up after a time that grows with the body
  // (about 4 KB/s), so the back-off takes over instead of a request hanging for ever.
  async function send(method, url, csrf, body, type) {
    const size = body ? (body.byteLength || body.length || 0) : 0;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 30000 + size / 4);
    const headers = { "x-csrf-token": csrf || "" };
    if (type) headers["content-type"] = type;
    try {
      // manual: an expired session redirected to the sign-in page must not read as success.
      return await fetch(url, { method, body, headers, credentials: "same-origin",
        redirect: "manual", cache: "no-store", signal: ctl.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  class Stop extends Error {
    constructor(outcome) { super(outcome.state); this.outcome = outcome; }
  }

  async function refuse(res) {
    if (res.type === "opaqueredirect" || res.status === 401) return new Stop({ state: "auth" });
    let message = null;
    try { message = (await res.json()).error || null; } catch (_) { /* not JSON */ }
    if (res.status === 403) return new Stop({ state: "forbidden", message });
    if (res.status >= 500 || res.status === 408 || res.status === 429) return new Stop({ state: "offline" });
    return new Stop({ state: "error", status: res.status, message });
  }

  async function uploadPhotos(coop, shas, csrf) {
    for (const sha of shas) {
      const url = `/api/v1/photos/${sha}?coop=${encodeURIComponent(coop)}`;
      const head = await send("HEAD", url, csrf);
      if (head.ok) continue;
      if (head.status !== 404) throw await refuse(head);
      let rec, bytes;
      try {
        rec = await tx("photos", "readonly", (t) => ask(t.objectStore("photos").get(sha)));
        bytes = rec && await rec.blob.arrayBuffer();
      } catch (_) { /* the stored file is lost: the server will refuse its entries, and say so */ }
      if (!bytes) continue;
      const put = await send("PUT", url, csrf, bytes, rec.blob.type || "image/jpeg");
      // A photo the server cannot take (400, 413, 422) is not retried: its entries come back
      // rejected with the reason, which the farmer sees.
      if (!put.ok && ![400, 413, 422].includes(put.status)) throw await refuse(put);
    }
  }

  function* batches(records) {
    const utf8 = new TextEncoder();
    let batch = [], bytes = 0;
    for (const r of records) {
      const size = utf8.encode(JSON.stringify(r.body)).length + 1;
      if (batch.length && (batch.length === BATCH || bytes + size > BATCH_BYTES)) {
        yield batch;
        batch = []; bytes = 0;
      }
      batch.push(r.body);
      bytes += size;
    }
    if (batch.length) yield batch;
  }

  async function flush() {
    const csrf = await getMeta("csrf");
    const queued = (await list()).filter((r) => r.state === "queued")
      .sort((a, b) => a.created - b.created);
    const byCoop = new Map();
    for (const r of queued) {
      if (!byCoop.has(r.coop)) byCoop.set(r.coop, []);
      byCoop.get(r.coop).push(r);
    }
    try {
      for (const [coop, records] of byCoop) {
        await uploadPhotos(coop, [...new Set(records.flatMap((r) => r.body.photos || []))], csrf);
        for (const entries of batches(records)) {
          const body = JSON.stringify({ coop, entries });
          const res = await send("POST", "/api/v1/diary/sync", csrf, body, "application/json");
          if (!res.ok) throw await refuse(res);
          await settle((await res.json()).results || []);
        }
      }
    } catch (e) {
      if (e instanceof Stop) return e.outcome;
      // fetch rejects on no network, a timeout, a dropped connection.
      if (e instanceof TypeError || (e && e.name === "AbortError")) return { state: "offline" };
      throw e;
    }
    return { state: "ok" };
  }

  // One flush at a time: in this page or worker by the promise, across tabs and the worker
  // by a Web Lock where there is one (the server's idempotency covers the rest). A call made
  // during a flush runs one more pass afterwards, so an entry saved meanwhile is not left.
  let running = null;
  let again = false;
  function sync() {
    if (running) { again = true; return running; }
    const locked = (fn) => (self.navigator && navigator.locks
      ? navigator.locks.request("goc-diary-sync", fn) : fn());
    running = (async () => {
      let outcome;
      do {
        again = false;
        outcome = await locked(flush);
      } while (again && outcome.state === "ok");
      return outcome;
    })().finally(() => { running = null; });
    return running;
  }

  return { open, getMeta, setMeta, setUser, list, pending, save, discard, sync };
})();
