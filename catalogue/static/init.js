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

// A long select (data-app-autocomplete) becomes a type-ahead: GOV.UK's accessible-autocomplete,
// loaded only on pages that have one. The select stays in the form and carries the choice.
const longSelects = document.querySelectorAll("select[data-app-autocomplete]");
if (longSelects.length) {
  const script = document.createElement("script");
  script.src = "/static/vendor/accessible-autocomplete.min.js";
  script.addEventListener("load", () => {
    for (const selectElement of longSelects) {
      window.accessibleAutocomplete.enhanceSelectElement({
        selectElement,
        defaultValue: "",
        showAllValues: true,
        dropdownArrow: () => "",
      });
    }
  });
  document.head.append(script);
}

// A long list of checkboxes (data-app-filter-list) gets a box that narrows it to the items
// whose label holds every word typed; ticked items always stay in view.
for (const list of document.querySelectorAll("[data-app-filter-list]")) {
  const items = [...list.querySelectorAll(".govuk-checkboxes__item")];
  const id = `${list.id || "list"}-filter`;
  const group = document.createElement("div");
  group.className = "govuk-form-group";
  const label = document.createElement("label");
  label.className = "govuk-label";
  label.htmlFor = id;
  label.textContent = list.dataset.appFilterList || "Filter the list";
  const input = document.createElement("input");
  input.className = "govuk-input govuk-!-width-two-thirds";
  input.id = id;
  input.type = "search";
  input.autocomplete = "off";
  input.spellcheck = false;
  const status = document.createElement("p");
  status.className = "govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0";
  status.setAttribute("role", "status");
  input.setAttribute("aria-describedby", `${id}-status`);
  status.id = `${id}-status`;
  group.append(label, input, status);
  list.before(group);

  const filter = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const text = item.textContent.toLowerCase();
      const keep = item.querySelector("input")?.checked || words.every((word) => text.includes(word));
      item.style.display = keep ? "" : "none";
      if (keep) shown += 1;
    }
    status.textContent = words.length ? `${shown} of ${items.length} shown` : "";
  };
  input.addEventListener("input", filter);
  // Enter in the filter box narrows the list; it must not submit the form.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
}
