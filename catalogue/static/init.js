// Progressive enhancement only: every page works without this file.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();

// Search filters: folded behind "Filter" on phones (results first); shown open on wider screens.
if (window.matchMedia("(min-width: 40.0625em)").matches) {
  for (const filters of document.querySelectorAll("details.app-search-filters")) filters.open = true;
}

// A table region that does not scroll needs no tab stop of its own.
for (const region of document.querySelectorAll(".app-table-scroll")) {
  if (region.scrollWidth <= region.clientWidth) region.removeAttribute("tabindex");
}
