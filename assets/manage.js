// Small helpers for the manager's forms; every form also works without them.
"use strict";
// A file picked for a boundary is read into its textarea (GeoJSON and KML are text).
document.querySelectorAll("input[type=file][data-fill]").forEach((input) => {
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    const target = document.getElementById(input.dataset.fill);
    if (file && target) file.text().then((t) => { target.value = t; });
  });
});
// "Use my location" fills latitude and longitude from the phone's GPS.
if ("geolocation" in navigator) {
  document.querySelectorAll("button.locate").forEach((b) => {
    b.hidden = false;
    b.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition((pos) => {
        document.getElementById(b.dataset.lat).value = pos.coords.latitude.toFixed(6);
        document.getElementById(b.dataset.lon).value = pos.coords.longitude.toFixed(6);
      }, () => { b.disabled = true; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
}
// A one-time code: copy it, or share its link through the phone's share sheet.
document.querySelectorAll("button[data-copy]").forEach((b) => {
  if (!navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener("click", () => {
    navigator.clipboard.writeText(b.dataset.copy).then(() => { b.textContent = b.dataset.done; });
  });
});
document.querySelectorAll("button[data-share]").forEach((b) => {
  if (!navigator.share) return;
  b.hidden = false;
  b.addEventListener("click", () => { navigator.share({ url: b.dataset.share }).catch(() => {}); });
});
// Destructive buttons ask first.
document.querySelectorAll("button[data-confirm]").forEach((b) => {
  b.addEventListener("click", (e) => { if (!window.confirm(b.dataset.confirm + "?")) e.preventDefault(); });
});
// A refused form comes back with its message: bring it into view and to the screen
// reader's attention, instead of leaving the page looking unchanged.
const refused = document.querySelector(".error[role=alert]");
if (refused) {
  refused.scrollIntoView({ block: "center" });
  refused.focus({ preventScroll: true });
}
