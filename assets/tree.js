// The tree page's second opinion: the phone itself checks the tree's exported history
// (signatures, chain, inclusion in the signed checkpoint) with the ledger compiled to wasm,
// starting from the key ID printed on the label that was scanned. Loaded after the page
// has painted; the page reads the same without it.
"use strict";
(() => {
  const box = document.getElementById("verify-here");
  if (!box || !("WebAssembly" in window)) return;
  const vi = document.documentElement.lang !== "en";
  const say = (cls, text) => {
    box.hidden = false;
    box.className = `verify-here ${cls}`;
    box.textContent = text;
  };
  // A scanned label's URL carries its key ID: /t/COOP/TREE/ZONE/DATE/KEY/SIG.
  const parts = location.pathname.split("/");
  const anchor = parts.length === 8 ? decodeURIComponent(parts[6]) : box.dataset.anchor;
  // The witnesses this phone saw vouch for the cooperative before (trust on first use, as
  // SSH does): a server that later drops them cannot make the phone forget.
  const coop = box.dataset.history.split("/")[3];
  const pinKey = `goc-witnesses:${coop}`;
  const pinned = (() => { try { return localStorage.getItem(pinKey) || ""; } catch { return ""; } })();
  say("pending", vi ? "Đang kiểm tra lịch sử trên máy của bạn…" : "Checking the history on your phone…");
  Promise.all([
    fetch(box.dataset.history, { credentials: "omit" }).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.text();
    }),
    import("/pkg/verify.js").then((m) => m.default().then(() => m)),
  ])
    .then(([history, verifier]) => {
      const v = JSON.parse(verifier.verify_history(history, anchor, pinned));
      if (v.ok) {
        try {
          if (v.pin) localStorage.setItem(pinKey, JSON.stringify(v.pin));
        } catch { /* private mode: nothing remembered */ }
        // Witnesses whose cosignatures the phone checked: they saw the same log, unrewritten.
        const n = v.witnesses.length;
        const vouched = n === 0 ? "" : vi
          ? ` Đã được ${n} nhân chứng độc lập xác nhận: ${v.witnesses.join(", ")}.`
          : ` Vouched for by ${n} independent witness${n === 1 ? "" : "es"}: ${v.witnesses.join(", ")}.`;
        say("ok", (vi
          ? `✔ Lịch sử đã được xác minh trên máy của bạn đến mốc #${v.size}, ký bởi ${v.cooperative} (khoá ${anchor}).`
          : `✔ History verified on your phone up to checkpoint #${v.size}, signed by ${v.cooperative} (key ${anchor}).`) + vouched);
      } else if (v.need !== undefined && pinned) {
        say("bad", vi
          ? `⚠ Trước đây máy của bạn đã thấy ${v.need} nhân chứng độc lập xác nhận hợp tác xã này; lịch sử lần này chỉ có ${v.have}. Có thể máy chủ đã bỏ nhân chứng để giấu một thay đổi.`
          : `⚠ Your phone saw ${v.need} independent witness${v.need === 1 ? "" : "es"} vouch for this cooperative before; this history has only ${v.have}. The server may have dropped them to hide a change.`);
      } else {
        say("bad", vi
          ? `⚠ Máy của bạn không xác minh được lịch sử này: ${v.error}`
          : `⚠ Your phone could not verify this history: ${v.error}`);
      }
    })
    .catch((e) => say("bad", vi
      ? `⚠ Không tải được lịch sử để kiểm tra (${e.message}).`
      : `⚠ Could not load the history to check it (${e.message}).`));
})();
