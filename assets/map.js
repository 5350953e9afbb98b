// Web maps (Leaflet, OpenStreetMap tiles), loaded only on pages with a [data-map]
// element. The server-drawn SVG outline next to a map stays until a tile has shown, so
// a phone without tiles (offline, blocked) still sees the zone.
"use strict";
(function () {
  const maps = document.querySelectorAll("[data-map]");
  if (!maps.length) return;
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/pkg/leaflet/leaflet.css";
  document.head.appendChild(css);
  const js = document.createElement("script");
  js.src = "/pkg/leaflet/leaflet.js";
  js.onload = () => maps.forEach(init);
  document.head.appendChild(js);

  function init(el) {
    el.hidden = false;
    const map = L.map(el, { scrollWheelZoom: false });
    const tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    }).addTo(map);
    const fallback = el.dataset.fallback && document.getElementById(el.dataset.fallback);
    tiles.once("tileload", () => { if (fallback) fallback.hidden = true; });
    let shown = false;
    if (el.dataset.geojson) {
      const layer = L.geoJSON(JSON.parse(el.dataset.geojson), { style: { color: "#2f5d3a" } }).addTo(map);
      map.fitBounds(layer.getBounds(), { maxZoom: 18 });
      shown = true;
    }
    if (el.dataset.point) {
      const [lat, lon] = el.dataset.point.split(",").map(Number);
      L.circleMarker([lat, lon], { radius: 7, color: "#a4161a" }).addTo(map);
      if (!shown) map.setView([lat, lon], 17);
      shown = true;
    }
    if (!shown) map.setView([16.0, 106.0], 5); // Vietnam, until the phone says where it is
    if (el.dataset.draw) draw(map, el);
    // A map inside a closed <details> has no size until it opens.
    const details = el.closest("details");
    if (details) details.addEventListener("toggle", () => map.invalidateSize());
    el.dataset.ready = "1";
  }

  // Drawing a boundary: each tap adds a corner; the polygon goes into the form's textarea
  // as GeoJSON, which the server checks like an imported file.
  function draw(map, el) {
    const target = document.getElementById(el.dataset.draw);
    const undo = document.getElementById(el.dataset.undo);
    const corners = [];
    const shape = L.polygon([], { color: "#a4161a" }).addTo(map);
    const write = () => {
      shape.setLatLngs(corners);
      const ring = corners.concat(corners.slice(0, 1)).map((p) => [+p.lng.toFixed(6), +p.lat.toFixed(6)]);
      target.value = corners.length >= 3 ? JSON.stringify({ type: "Polygon", coordinates: [ring] }) : "";
      el.dataset.corners = String(corners.length);
    };
    // A form refused by the server comes back with the boundary drawn before: show it
    // again, as corners that can be undone or extended.
    try {
      const kept = target.value && JSON.parse(target.value);
      const ring = kept && kept.type === "Polygon" && kept.coordinates[0];
      if (ring && ring.length > 3) {
        ring.slice(0, -1).forEach(([lng, lat]) => corners.push(L.latLng(lat, lng)));
        shape.setLatLngs(corners);
        el.dataset.corners = String(corners.length);
        map.fitBounds(shape.getBounds(), { maxZoom: 18 });
      }
    } catch (_) { /* pasted KML or a file: the server kept it as typed */ }
    map.on("click", (e) => { corners.push(e.latlng); write(); });
    if (undo) {
      undo.hidden = false;
      undo.addEventListener("click", () => { corners.pop(); write(); });
    }
    if (!corners.length) map.locate({ setView: true, maxZoom: 17 });
  }
})();
