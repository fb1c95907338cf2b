import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();

// A form that takes a while (checking an upload, making the statement's PDFs) says so while it works:
// its data-busy-message goes into a status region that screen readers announce.
for (const form of document.querySelectorAll("form[data-busy-message]")) {
  const status = document.createElement("p");
  status.className = "govuk-body govuk-!-font-weight-bold portal-busy";
  status.setAttribute("role", "status");
  form.append(status);
  form.addEventListener("submit", (event) => {
    // Buttons that only move between pages of a preview (formaction) are quick.
    if (event.submitter && event.submitter.hasAttribute("formaction")) return;
    status.textContent = form.dataset.busyMessage;
  });
}
