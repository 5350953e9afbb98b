// The order page's countdown of the hold, ticking each second. The server wrote the end
// time and the minutes left, which read the same without this script, and how many
// milliseconds were left when it made the page (`data-hold-left`); they are counted from
// the page's own start (performance.now), not the phone's clock, which may be wrong, so
// the count ends a little early rather than late. At zero the ways to pay fold away and
// the way to adopt again shows; the page re-reads itself every 15 s, and what the server
// then says of the order is what counts.
"use strict";
(() => {
  const timer = document.querySelector("[data-hold-left]");
  if (!timer) return;
  const end = Number(timer.dataset.holdLeft);
  const tick = () => {
    const left = Math.ceil((end - performance.now()) / 1000);
    if (left > 0) {
      // Minutes and seconds with their units, so the count does not read as a time of
      // day beside the hold's end.
      const { minutes, seconds } = timer.dataset;
      timer.textContent = `${Math.floor(left / 60)} ${minutes} ${String(left % 60).padStart(2, "0")} ${seconds}`;
      return;
    }
    clearInterval(every);
    for (const id of ["hold", "pay"]) {
      const part = document.getElementById(id);
      if (part) part.hidden = true;
    }
    const lapsed = document.getElementById("hold-lapsed");
    if (lapsed) lapsed.hidden = false;
  };
  const every = setInterval(tick, 1000);
  tick();
})();
