// The local offer's search: on a small screen the filters stay folded under "Filter" so the results come first;
// on a wider one they sit open beside the results. Without JavaScript they are folded and open with a click.
const filters = document.querySelector("[data-portal-filters]");
if (filters) {
  // GOV.UK Frontend's tablet breakpoint, where the grid's columns sit side by side.
  const wide = window.matchMedia("(min-width: 40.0625em)");
  if (wide.matches) filters.open = true;
  wide.addEventListener("change", () => { filters.open = wide.matches; });
}
