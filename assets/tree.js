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
  say("pending", vi ? "Đang kiểm tra lịch sử trên máy của bạn…" : "Checking the history on your phone…");
  Promise.all([
    fetch(box.dataset.history, { credentials: "omit" }).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.text();
    }),
    import("/pkg/verify.js").then((m) => m.default().then(() => m)),
  ])
    .then(([history, verifier]) => {
      const v = JSON.parse(verifier.verify_history(history, anchor));
      if (v.ok) {
        // Witnesses whose cosignatures the phone checked: they saw the same log, unrewritten.
        const n = v.witnesses.length;
        const vouched = n === 0 ? "" : vi
          ? ` Đã được ${n} nhân chứng độc lập xác nhận: ${v.witnesses.join(", ")}.`
          : ` Vouched for by ${n} independent witness${n === 1 ? "" : "es"}: ${v.witnesses.join(", ")}.`;
        say("ok", (vi
          ? `✔ Lịch sử đã được xác minh trên máy của bạn đến mốc #${v.size}, ký bởi ${v.cooperative} (khoá ${anchor}).`
          : `✔ History verified on your phone up to checkpoint #${v.size}, signed by ${v.cooperative} (key ${anchor}).`) + vouched);
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
