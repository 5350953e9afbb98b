// The farmer's diary page, offline first: a saved entry goes into this phone's outbox
// (IndexedDB, see farm-sync.js) and is sent when there is signal. Without this script, or
// without IndexedDB/WebCrypto, the form still posts to the server as a plain form.
"use strict";
(() => {
  const root = document.querySelector("section.farm");
  const outbox = self.gocOutbox;
  if (!root || !outbox) return;
  if (root.dataset.user) outbox.setUser(root.dataset.user).catch(() => {});
  const en = /^en\b/i.test(document.documentElement.lang);
  const t = (vi, english) => (en ? english : vi);
  const coop = root.dataset.coop;
  const form = document.getElementById("log");
  const box = document.getElementById("outbox");
  const list = document.getElementById("queued");

  const make = (tag, props) => Object.assign(document.createElement(tag), props);
  const fmt = (n) => n.toLocaleString(en ? "en" : "vi-VN");

  // A number as typed: "2,5" is 2.5 (Vietnamese decimal comma). Dots before three digits
  // group thousands ("1.500" is 1500, "1.250,5" is 1250.5); any other dot is a decimal point
  // ("2.5", "0.125"). Empty is null; anything else NaN, never a guess.
  function parseNumber(typed) {
    const s = String(typed).replace(/[\s\u00a0\u202f]/g, "");
    if (s === "") return null;
    const m = /^([+-]?)([\d.]*)(?:,(\d+))?$/.exec(s);
    if (!m) return NaN;
    let [, sign, int, frac] = m;
    if (/^[1-9]\d{0,2}(\.\d{3})+$/.test(int)) int = int.replace(/\./g, "");
    else if (frac === undefined && /^\d*\.\d+$/.test(int)) [int, frac] = int.split(".");
    else if (int.includes(".")) return NaN;
    if (int === "" && frac === undefined) return NaN;
    return Number(`${sign}${int || "0"}${frac === undefined ? "" : "." + frac}`);
  }

  // RFC 9562 UUIDv7: 48-bit unix ms, version 7, 12-bit counter (rand_a, seeded at random
  // with its top bit clear so it can count), variant 10, 62 random bits. Ids made in the
  // same millisecond still sort in the order they were made.
  let lastMs = -1;
  let counter = 0;
  function uuidv7() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    let ms = Date.now();
    if (ms > lastMs) {
      counter = ((b[6] & 0x07) << 8) | b[7];
    } else {
      ms = lastMs;
      if (++counter > 0xfff) { ms += 1; counter = 0; }
    }
    lastMs = ms;
    for (let i = 5, v = ms; i >= 0; i--, v = Math.floor(v / 256)) b[i] = v % 256;
    b[6] = 0x70 | (counter >> 8);
    b[7] = counter & 0xff;
    b[8] = 0x80 | (b[8] & 0x3f);
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- Outbox counter and list ------------------------------------------------------------

  const boxText = box && box.querySelector("[data-outbox-text]");
  const syncButton = box && box.querySelector("button[data-sync]");
  const boxNote = box && (box.querySelector("[data-outbox-note]")
    || box.appendChild(make("p", { className: "outbox-note" })));

  const labelOf = (el, fallback) => {
    const label = el && el.labels && el.labels[0];
    if (!label) return fallback;
    const copy = label.cloneNode(true);
    copy.querySelectorAll("input, select, textarea, .hint").forEach((n) => n.remove());
    return copy.textContent.replace(/[\s:*]+$/, "").trim() || fallback;
  };
  const kindName = (kind) => labelOf(form && form.querySelector(
    `input[name="kind"][value="${CSS.escape(kind || "")}"]`), kind);
  const words = (m) => (!m ? "" : typeof m === "string" ? m : (en ? m.en : m.vi) || m.vi || m.en || "");
  const p2 = (n) => String(n).padStart(2, "0");
  const when = (ms) => {
    const d = new Date(ms);
    const hm = `${p2(d.getHours())}:${p2(d.getMinutes())}`;
    return en ? `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${hm}`
      : `${p2(d.getDate())}/${p2(d.getMonth() + 1)}/${d.getFullYear()} ${hm}`;
  };
  const STATES = {
    queued: t("chờ đồng bộ", "waiting"),
    conflict: t("xung đột", "conflict"),
    rejected: t("bị từ chối", "refused"),
  };

  function item(r) {
    const a = r.body.action;
    const what = a.kind !== "correction" ? kindName(a.kind)
      : `${t("Sửa", "Correction")}: ${a.replacement ? kindName(a.replacement.kind) : t("rút lại", "withdrawn")}`;
    const tree = r.coop === coop ? r.body.tree : `${r.coop} · ${r.body.tree}`;
    const li = make("li", { className: r.state });
    li.dataset.id = r.id;
    li.append(`${tree} · ${what} · ${when(r.body.recorded_at)} · ${STATES[r.state] || r.state}`);
    if (r.state !== "queued") {
      if (r.message) li.append(make("p", { className: "error", textContent: words(r.message) }));
      // The server will never take this entry as it is: the farmer decides to let it go.
      const drop = make("button", { type: "button", textContent: t("Bỏ mục này", "Discard") });
      drop.addEventListener("click", async () => {
        if (!window.confirm(t("Bỏ mục này? Không thể hoàn tác.", "Discard this entry? This cannot be undone."))) return;
        await outbox.discard(r.id).catch(() => {});
        refresh();
      });
      li.append(" ", drop);
    }
    return li;
  }

  async function refresh() {
    let records;
    try {
      records = await outbox.list();
    } catch (e) {
      if (boxNote) boxNote.textContent = t("Không đọc được nhật ký trên máy: ", "Cannot read the diary on this phone: ") + e;
      return 0;
    }
    const n = records.filter((r) => r.state === "queued").length;
    if (box) box.dataset.pending = String(n);
    if (boxText) {
      boxText.textContent = n === 0 ? t("Đã đồng bộ hết", "Everything is synced")
        : t(`${fmt(n)} mục chờ đồng bộ`, `${fmt(n)} ${n === 1 ? "entry" : "entries"} waiting to sync`);
    }
    if (syncButton) syncButton.hidden = n === 0;
    if (list) list.replaceChildren(...records.sort((a, b) => b.created - a.created).map(item));
    return n;
  }

  function showOutcome(outcome, pending) {
    if (!boxNote) return;
    boxNote.replaceChildren();
    const login = () => make("a", {
      href: `/login?next=${encodeURIComponent(location.pathname + location.search)}`,
      textContent: t("Đăng nhập", "Sign in"),
    });
    if (outcome.state === "auth") {
      boxNote.append(t("Hãy đăng nhập lại để đồng bộ. ", "Sign in again to sync. "), login());
    } else if (outcome.state === "forbidden") {
      boxNote.append(words(outcome.message) || t("Tài khoản này không được ghi nhật ký của hợp tác xã này.",
        "This account may not write this cooperative's diary."), " ", login());
    } else if (outcome.state === "error") {
      boxNote.append(words(outcome.message) || t(`Máy chủ không nhận (mã ${outcome.status || "?"}); sẽ thử lại.`,
        `The server refused (code ${outcome.status || "?"}); will try again.`));
    } else if (outcome.state === "offline" && pending > 0) {
      boxNote.append(t("Chưa có mạng — sẽ tự thử lại.", "No connection — will try again by itself."));
    }
  }

  // ---- Sync triggers and back-off ---------------------------------------------------------

  const BACKOFF_MIN = 15000;
  const BACKOFF_MAX = 5 * 60000;
  let backoff = BACKOFF_MIN;
  let timer = 0;
  let scheduledFor = null;

  function askBackgroundSync() {
    // Chrome only: it runs the worker's sync when signal returns, even with the page closed.
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready
      .then((reg) => reg.sync && reg.sync.register("goc-diary"))
      .catch(() => {});
  }

  async function syncNow() {
    let outcome;
    try {
      outcome = await outbox.sync();
    } catch (e) {
      outcome = { state: "error", message: String(e) };
    }
    const pending = await refresh();
    showOutcome(outcome, pending);
    // Callers sharing one flush share its outcome: the back-off moves once per flush.
    if (scheduledFor === outcome) return;
    scheduledFor = outcome;
    clearTimeout(timer);
    if (outcome.state === "ok") {
      backoff = BACKOFF_MIN;
    } else if (pending > 0) {
      timer = setTimeout(syncNow, backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX);
      askBackgroundSync();
    }
  }

  window.gocDiary = { syncNow: () => syncNow().then(() => {}), pending: () => outbox.pending() };

  if (syncButton) {
    syncButton.addEventListener("click", () => { backoff = BACKOFF_MIN; syncNow(); });
  }
  window.addEventListener("online", () => { backoff = BACKOFF_MIN; syncNow(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { syncNow(); checkForUpdate(); }
  });

  // ---- Service worker and its updates -----------------------------------------------------

  let registration = null;
  let lastCheck = Date.now();
  // A phone keeps the tab open for weeks without navigating, so look for a new build when
  // the farmer comes back to it, at most hourly.
  function checkForUpdate() {
    if (registration && Date.now() - lastCheck > 3600000) {
      lastCheck = Date.now();
      registration.update().catch(() => {});
    }
  }

  if ("serviceWorker" in navigator) {
    const sw = navigator.serviceWorker;
    const panel = document.getElementById("update");
    const button = panel && panel.querySelector("button[data-update]");
    let tapped = false;
    let onTap = null; // a later offer replaces an earlier one
    if (button) button.addEventListener("click", () => { if (onTap) onTap(); });
    const offer = (action) => {
      if (!panel || !button) return;
      button.textContent = t("Có bản cập nhật — chạm để tải lại", "An update is ready — tap to reload");
      onTap = action;
      panel.hidden = false;
    };
    // The new build starts only when the farmer taps: they may be half-way through a form.
    const offerWorker = (worker) => offer(() => { tapped = true; worker.postMessage({ type: "skipWaiting" }); });
    const hadController = !!sw.controller;
    if (!hadController) {
      sw.ready.then((reg) => reg.active && reg.active.postMessage({ type: "keepPage", path: location.pathname }));
    }
    sw.register("/sw.js", { scope: "/", updateViaCache: "none" }).then((reg) => {
      registration = reg;
      if (reg.waiting && sw.controller) offerWorker(reg.waiting);
      reg.addEventListener("updatefound", () => {
        const worker = reg.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && sw.controller) offerWorker(worker);
        });
      });
    }).catch(() => {});
    let reloaded = false;
    sw.addEventListener("controllerchange", () => {
      if (tapped && !reloaded) {
        reloaded = true;
        window.location.reload();
      } else if (hadController) {
        // Another tab took the update: this page is now an older build than its worker.
        offer(() => window.location.reload());
      }
      // A first install taking control needs no reload: the page is already current.
    });
    sw.addEventListener("message", (event) => {
      if (event.data && event.data.type === "synced") {
        if (event.data.state === "ok") backoff = BACKOFF_MIN;
        refresh().then((n) => showOutcome(event.data, n));
      }
    });
  }

  // ---- Tree choice: search box and whole-zone checkboxes ----------------------------------

  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/đ/g, "d");
  const filter = document.getElementById("tree-filter");
  if (filter && form) {
    filter.addEventListener("input", () => {
      const q = fold(filter.value.trim());
      form.querySelectorAll("label.tree").forEach((l) => { l.hidden = q !== "" && !fold(l.textContent).includes(q); });
      form.querySelectorAll("details.zone").forEach((z) => {
        const any = z.querySelector("label.tree:not([hidden])");
        z.hidden = q !== "" && !any;
        if (q !== "" && any) z.open = true;
      });
    });
  }
  const zoneTrees = (zone) => form.querySelectorAll(`label.tree[data-zone="${CSS.escape(zone)}"] input`);
  if (form) {
    form.querySelectorAll("summary input[data-zone]").forEach((zoneBox) => {
      const label = zoneBox.closest("label") || zoneBox;
      // A click on the label would also open or close the <details>: take it over.
      label.addEventListener("click", (e) => {
        if (e.target === zoneBox) return; // a click on the box itself does not toggle the details
        e.preventDefault();
        zoneBox.checked = !zoneBox.checked;
        zoneBox.dispatchEvent(new Event("change", { bubbles: true }));
      });
      zoneBox.addEventListener("change", () => {
        zoneBox.indeterminate = false;
        zoneTrees(zoneBox.dataset.zone).forEach((i) => { i.checked = zoneBox.checked; });
      });
    });
    // A tree ticked by hand: its zone box shows all, some (indeterminate) or none.
    form.addEventListener("change", (e) => {
      const tree = e.target.closest("label.tree[data-zone]");
      if (!tree) return;
      const zone = tree.dataset.zone;
      const zoneBox = form.querySelector(`summary input[data-zone="${CSS.escape(zone)}"]`);
      if (!zoneBox) return;
      const all = [...zoneTrees(zone)];
      const on = all.filter((i) => i.checked).length;
      zoneBox.checked = on === all.length;
      zoneBox.indeterminate = on > 0 && on < all.length;
    });
  }

  // ---- The form ---------------------------------------------------------------------------

  // Fields per kind, as in docs/diary-sync.md: [type, required, min, max]. "dec" is > 0 with
  // at most three decimals; texts are at most 200 characters.
  const KINDS = {
    watered: { litres: ["int", false, 1, 100000] },
    fertilised: { product: ["text", true], amount: ["dec", true], unit: ["unit", true], lot: ["text", false] },
    pruned: { note: ["text", false] },
    sprayed: { product: ["text", true], active_ingredient: ["text", true], dose: ["text", true],
      lot: ["text", false], phi_days: ["int", true, 0, 365] },
    bagged: { fruits: ["int", true, 1, 100000] },
    flowering: { note: ["text", false] },
    fruit_set: { fruits: ["int", true, 0, 100000], note: ["text", false] },
    pest: { pest: ["text", true], severity: ["int", true, 1, 3], note: ["text", false] },
    harvested: { kg: ["dec", true], grade: ["text", false] },
    note: { text: ["text", true] },
  };
  const UNITS = ["g", "kg", "ml", "l"];
  // What describes one event only is not offered again next time: a prefilled count or
  // weight would be saved unnoticed.
  const NOT_REMEMBERED = ["note", "text", "fruits", "kg"];
  const MAX_PHOTOS = 8;
  const MAX_SIDE = 1600;
  // The server's rule: no control, bidi-override or invisible characters, no < or >.
  // The characters the server refuses (server/src/text.rs), so a queued entry is not
  // rejected later.
  const HOSTILE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ue000-\uf8ff\ufeff\uffa0<>\u{e0000}-\u{e007f}\u{f0000}-\u{10ffff}]/u;

  const canWork = form && window.indexedDB && self.crypto && crypto.subtle && self.createImageBitmap;
  if (!canWork) {
    // No interception: the form posts as it would without JavaScript. Entries queued
    // earlier (if this storage works at all) are still sent.
    if (window.indexedDB) refresh().then(() => syncNow());
    return;
  }
  form.noValidate = true; // hidden fields of other kinds must not block the save
  const submit = form.querySelector('button[type="submit"], button:not([type])');
  const message = make("p", { id: "log-message", hidden: true });
  message.setAttribute("role", "status");
  message.setAttribute("aria-live", "polite");
  (submit || form.lastElementChild).before(message);
  const say = (text, ok) => {
    message.textContent = text;
    message.className = ok ? "notice-ok" : "error";
    message.hidden = !text;
  };
  const field = (name, scope) => (scope || form).querySelector(`[name="${name}"]`);
  const fieldsOf = (kind) => form.querySelector(`[data-fields="${CSS.escape(kind)}"]`);

  // A text as the server stores it: one line, NFC, trimmed.
  const cleanText = (v) => v.replace(/[\r\n\t]+/g, " ").normalize("NFC").trim();

  function readText(el, label, required, errors) {
    const v = cleanText(el ? el.value : "");
    if (required && !v) errors.push([el, t(`Cần nhập ${label}`, `${label} is required`)]);
    else if ([...v].length > 200) errors.push([el, t(`${label} dài quá 200 ký tự`, `${label} is longer than 200 characters`)]);
    else if (HOSTILE.test(v)) {
      errors.push([el, t(`${label} chứa ký tự < >, ký tự điều khiển hoặc ký tự ẩn; hãy gõ lại`,
        `${label} contains < >, control or invisible characters; please type it again`)]);
    }
    return v;
  }

  function readAction(kind, errors) {
    const div = fieldsOf(kind);
    const action = { kind };
    const spec = KINDS[kind];
    if (!spec) { // a kind this script does not know yet: its fields as texts
      if (div) div.querySelectorAll("[name]").forEach((el) => { action[el.name] = readText(el, labelOf(el, el.name), el.required, errors); });
      return action;
    }
    for (const [name, [type, required, min, max]] of Object.entries(spec)) {
      const el = field(name, div);
      const label = labelOf(el, name);
      const must = required || (el && el.required);
      if (type === "text") { action[name] = readText(el, label, must, errors); continue; }
      const raw = el ? el.value.trim() : "";
      if (type === "unit") {
        if (UNITS.includes(raw)) action[name] = raw;
        else errors.push([el, t(`${label}: chọn g, kg, ml hoặc l`, `${label}: choose g, kg, ml or l`)]);
        continue;
      }
      const n = parseNumber(raw);
      const bad = (vi, english) => errors.push([el, t(`${label}: ${vi}`, `${label}: ${english}`)]);
      if (n === null) {
        if (must) errors.push([el, t(`Cần nhập ${label}`, `${label} is required`)]);
      } else if (!Number.isFinite(n)) {
        bad("không phải là số (ví dụ 2,5)", "not a number (e.g. 2.5)");
      } else if (type === "int" && !Number.isInteger(n)) {
        bad("phải là số nguyên", "must be a whole number");
      } else if (type === "int" && (n < min || n > max)) {
        bad(`phải từ ${fmt(min)} đến ${fmt(max)}`, `must be from ${fmt(min)} to ${fmt(max)}`);
      } else if (type === "dec" && n <= 0) {
        bad("phải lớn hơn 0", "must be more than 0");
      } else if (type === "dec" && Math.abs(n * 1000 - Math.round(n * 1000)) > 1e-6) {
        bad("tối đa 3 chữ số thập phân", "at most 3 decimal places");
      } else {
        action[name] = n;
      }
    }
    return action;
  }

  const isBlank = (el) => (el.tagName === "SELECT"
    ? [...el.options].every((o) => o.selected === o.defaultSelected) : el.value === "");

  async function prefill(kind) {
    const div = fieldsOf(kind);
    const saved = div && await outbox.getMeta(`defaults:${kind}`).catch(() => null);
    if (!saved) return;
    for (const [name, value] of Object.entries(saved)) {
      const el = field(name, div);
      if (el && value && isBlank(el)) el.value = value;
    }
  }

  async function remember(kind) {
    if (!kind) return;
    const div = fieldsOf(kind);
    const values = {};
    if (div) {
      div.querySelectorAll("[name]").forEach((el) => {
        if (!NOT_REMEMBERED.includes(el.name) && el.type !== "file") values[el.name] = el.value;
      });
    }
    await outbox.setMeta(`defaults:${kind}`, values);
    if (!correcting()) await outbox.setMeta("kind", kind);
  }

  const correcting = () => !!(field("corrects") && field("corrects").value.trim());

  // One photo at a time, decoded, scaled to ≤ 1600 px on its long side and re-encoded as
  // JPEG (which also drops EXIF and its GPS): a full 12 MP decode is ~48 MB, so one canvas
  // is reused and shrunk between photos.
  let surface = null;
  async function shrink(file) {
    const bitmap = await createImageBitmap(file);
    try {
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      surface = surface || (typeof OffscreenCanvas === "function"
        ? new OffscreenCanvas(1, 1) : document.createElement("canvas"));
      surface.width = Math.max(1, Math.round(bitmap.width * scale));
      surface.height = Math.max(1, Math.round(bitmap.height * scale));
      const g = surface.getContext("2d");
      g.imageSmoothingQuality = "high";
      g.fillStyle = "#fff"; // a transparent PNG would turn black in a JPEG
      g.fillRect(0, 0, surface.width, surface.height);
      g.drawImage(bitmap, 0, 0, surface.width, surface.height);
    } finally {
      bitmap.close();
    }
    try {
      return surface.convertToBlob
        ? await surface.convertToBlob({ type: "image/jpeg", quality: 0.8 })
        : await new Promise((ok, no) => surface.toBlob((b) => (b ? ok(b) : no(new Error("toBlob"))), "image/jpeg", 0.8));
    } finally {
      surface.width = surface.height = 1;
    }
  }

  async function sha256hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
  }

  function showErrors(errors) {
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    errors.forEach(([el]) => el && el.setAttribute("aria-invalid", "true"));
    say(errors.map(([, text]) => text).join(". ") + ".", false);
    const first = errors.find(([el]) => el && !el.hidden && el.type !== "hidden");
    if (first) first[0].focus();
    message.scrollIntoView({ block: "center" });
  }

  async function record() {
    const errors = [];
    const treeInputs = [...form.querySelectorAll('input[name="tree"]')];
    const trees = treeInputs.filter((i) => i.type === "hidden" || i.checked).map((i) => i.value).filter(Boolean);
    if (!trees.length) errors.push([treeInputs[0], t("Hãy chọn ít nhất một cây", "Choose at least one tree")]);
    const chosen = form.querySelector('input[name="kind"]:checked');
    const corrects = correcting() ? field("corrects").value.trim() : "";
    let action = null;
    if (!chosen || (chosen.value === "" && !corrects)) {
      errors.push([form.querySelector('input[name="kind"]'), t("Hãy chọn việc đã làm", "Choose what was done")]);
    } else {
      // On a correction form a kind with an empty value means "withdraw the entry".
      const replacement = chosen.value === "" ? null : readAction(chosen.value, errors);
      action = replacement;
      if (corrects) {
        const reasonEl = field("reason");
        const reason = readText(reasonEl, labelOf(reasonEl, t("lý do", "reason")), true, errors);
        action = { kind: "correction", corrects, reason, replacement };
      }
    }
    const photoInput = form.querySelector('input[type="file"][name="photo"]');
    const files = photoInput ? [...photoInput.files] : [];
    if (files.length > MAX_PHOTOS) {
      errors.push([photoInput, t(`Tối đa ${MAX_PHOTOS} ảnh mỗi lần ghi`, `At most ${MAX_PHOTOS} photos per entry`)]);
    }
    if (errors.length) return showErrors(errors);

    // Everything is prepared before the transaction: awaiting a photo inside it would end it.
    const photos = new Map();
    for (const [i, file] of files.entries()) {
      say(t(`Đang xử lý ảnh ${i + 1}/${files.length}…`, `Preparing photo ${i + 1}/${files.length}…`), true);
      let blob;
      try {
        blob = await shrink(file);
      } catch (_) {
        return showErrors([[photoInput, t(`Không đọc được ảnh ${file.name}`, `Cannot read the photo ${file.name}`)]]);
      }
      photos.set(await sha256hex(blob), { coop, blob });
    }
    const shas = [...photos.keys()];
    const lat = (field("lat") || {}).value;
    const lon = (field("lon") || {}).value;
    const location = lat && lon && Math.abs(+lat) <= 90 && Math.abs(+lon) <= 180
      ? { lat: +lat, lon: +lon } : null;
    const now = Date.now();
    const records = trees.map((tree) => {
      const body = { id: uuidv7(), tree, recorded_at: now, action, photos: shas };
      if (location) body.location = location;
      return { id: body.id, coop, user: root.dataset.user, body, state: "queued", created: now };
    });
    try {
      await outbox.save(records, photos);
    } catch (e) {
      return say(t("Không lưu được trên máy: ", "Could not save on this phone: ") + e, false);
    }
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    say(trees.length === 1 ? t("Đã lưu.", "Saved.")
      : t(`Đã lưu — ${fmt(trees.length)} cây.`, `Saved — ${fmt(trees.length)} trees.`), true);
    const kind = chosen.value;
    await remember(kind).catch(() => {});
    form.reset(); // hidden inputs (tree, corrects, lat, lon) keep their values
    const again = kind && form.querySelector(`input[name="kind"][value="${CSS.escape(kind)}"]`);
    if (again) { again.checked = true; await prefill(kind); }
    form.querySelectorAll("summary input[data-zone]").forEach((b) => { b.indeterminate = false; });
    await refresh();
    askBackgroundSync();
    syncNow();
  }

  let saving = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (saving) return;
    saving = true;
    if (submit) submit.disabled = true;
    record().catch((err) => say(String(err), false)).finally(() => {
      saving = false;
      if (submit) submit.disabled = false;
    });
  });

  form.addEventListener("change", (e) => {
    if (e.target.name === "kind" && e.target.checked) prefill(e.target.value);
  });

  // GPS once, on the first touch of the form; saving never waits for it.
  let located = false;
  const locate = () => {
    if (located || !navigator.geolocation || !field("lat") || !field("lon")) return;
    located = true;
    navigator.geolocation.getCurrentPosition((pos) => {
      field("lat").value = pos.coords.latitude.toFixed(6);
      field("lon").value = pos.coords.longitude.toFixed(6);
    }, () => {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 5 * 60000 });
  };
  // Signing out on a shared phone: the next person must not be shown this member's pages
  // from the worker's cache (their queued entries stay, and go up when they sign in again).
  const logout = document.querySelector('form[action="/logout"]');
  if (logout && self.caches) {
    logout.addEventListener("submit", (ev) => {
      ev.preventDefault();
      caches.keys()
        .then((names) => Promise.all(names.filter((n) => n.startsWith("goc-")).map((n) => caches.open(n)
          .then((c) => c.keys().then((reqs) => Promise.all(reqs
            .filter((r) => new URL(r.url).pathname.startsWith("/farm"))
            .map((r) => c.delete(r))))))))
        .catch(() => {})
        .finally(() => logout.submit());
    }, { once: true });
  }

  form.addEventListener("focusin", locate);
  form.addEventListener("pointerdown", locate);

  (async () => {
    const token = document.querySelector('meta[name="csrf-token"]');
    try {
      // Kept for the service worker, which has no page to read it from.
      if (token && token.content) await outbox.setMeta("csrf", token.content);
      if (!form.querySelector('input[name="kind"]:checked') && !correcting()) {
        const last = await outbox.getMeta("kind");
        const radio = last && form.querySelector(`input[name="kind"][value="${CSS.escape(last)}"]`);
        if (radio) radio.checked = true;
      }
      const checked = form.querySelector('input[name="kind"]:checked');
      if (checked) await prefill(checked.value);
    } catch (_) { /* storage unavailable: the counter says so */ }
    await refresh();
    // The page is usable: the form and the queue's counter (benchmarks read this).
    if (self.performance && performance.mark) performance.mark("goc-diary-ready");
    syncNow();
  })();
})();
