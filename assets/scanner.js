// Finding a tree by scanning its label with the phone's camera. The browser's own
// BarcodeDetector where there is one (Android Chrome); otherwise a small QR decoder
// compiled to wasm (/pkg/scan.js), fetched only then. A label of this cooperative opens the
// tree's diary, where the server checks its signature; another cooperative's label, or
// something that is not a Gốc label, is said so at once.
"use strict";
(() => {
  const root = document.querySelector("section.farm");
  const button = document.getElementById("scan");
  if (!root || !button || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
  const en = /^en\b/i.test(document.documentElement.lang);
  const t = (vi, english) => (en ? english : vi);
  const coop = root.dataset.coop;
  const panel = document.getElementById("scanner");
  const video = panel.querySelector("video");
  const status = panel.querySelector("[data-scan-status]");
  const close = panel.querySelector("[data-scan-close]");
  const SIDE = 400; // a centred square, scaled to 400 × 400: enough for a label, cheap to decode
  const canvas = Object.assign(document.createElement("canvas"), { width: SIDE, height: SIDE });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null;
  let timer = null;

  async function decoder() {
    if ("BarcodeDetector" in window) {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const d = new BarcodeDetector({ formats: ["qr_code"] });
        return async () => ((await d.detect(canvas))[0] || {}).rawValue || null;
      }
    }
    const m = await import("/pkg/scan.js");
    await m.default();
    return async () => {
      const rgba = ctx.getImageData(0, 0, SIDE, SIDE).data;
      const luma = new Uint8Array(SIDE * SIDE);
      for (let i = 0; i < luma.length; i++) {
        luma[i] = (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8;
      }
      return m.decode_qr(luma, SIDE, SIDE) || null;
    };
  }

  function stop() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    panel.hidden = true;
  }

  // What a label says: this cooperative's tree (open it), another's, or not a Gốc label.
  function read(text) {
    let url;
    try {
      url = new URL(text, location.origin);
    } catch (_) {
      return { say: t("Đây không phải tem Gốc.", "This is not a Gốc label.") };
    }
    const parts = url.pathname.split("/");
    if (parts.length !== 8 || parts[1] !== "t") {
      return { say: t("Đây không phải tem cây của Gốc.", "This is not a Gốc tree label.") };
    }
    const [label, tree] = [decodeURIComponent(parts[2]), decodeURIComponent(parts[3])];
    if (label !== coop) {
      return { say: t(`Tem này của hợp tác xã khác (${label}), không phải cây của bạn.`,
        `This label belongs to another cooperative (${label}), not to your trees.`) };
    }
    return { go: `/farm/${encodeURIComponent(coop)}/t/${encodeURIComponent(tree)}?label=${encodeURIComponent(url.pathname)}` };
  }

  async function start() {
    panel.hidden = false;
    status.textContent = t("Đưa tem QR vào giữa khung hình…", "Hold the QR label in the middle of the frame…");
    try {
      // "ideal", not "exact": a phone without a rear camera (or a laptop) still scans.
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (_) {
      status.textContent = t("Không mở được máy ảnh. Hãy cho phép dùng máy ảnh, hoặc gõ mã cây.",
        "Cannot open the camera. Allow it, or type the tree's code.");
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    const detect = await decoder().catch(() => null);
    if (!detect) {
      status.textContent = t("Máy này không đọc được mã QR; hãy gõ mã cây.", "This phone cannot read QR codes; type the tree's code.");
      return;
    }
    const tick = async () => {
      if (!stream) return;
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (w && h) {
        const s = Math.min(w, h) * 0.8;
        ctx.drawImage(video, (w - s) / 2, (h - s) / 2, s, s, 0, 0, SIDE, SIDE);
        const text = await detect().catch(() => null);
        if (text) {
          const r = read(text);
          if (r.go) {
            stop();
            location.assign(r.go);
            return;
          }
          status.textContent = r.say;
        }
      }
      // About six looks a second: enough to feel instant, light on a cheap phone.
      timer = setTimeout(tick, 160);
    };
    tick();
  }

  button.hidden = false;
  button.addEventListener("click", start);
  close.addEventListener("click", stop);
  document.addEventListener("visibilitychange", () => { if (document.hidden) stop(); });
})();
