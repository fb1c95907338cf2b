// A job's progress page checks again by itself every few seconds (without JavaScript, its "Check again" button
// does), replaces what it shows and says the new state in a status region that screen readers announce.
const region = document.getElementById("job-progress");
const announce = document.getElementById("job-announce");
const button = document.querySelector("[data-job-check]");
if (button) button.closest("form").hidden = true;

async function check() {
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!response.ok) return schedule();
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("job-progress");
    if (!fresh) return schedule();
    const before = stateText();
    region.replaceChildren(...fresh.childNodes);
    region.dataset.jobStatus = fresh.dataset.jobStatus;
    const form = region.querySelector("[data-job-check]");
    if (form) form.closest("form").hidden = true;
    const now = stateText();
    if (now !== before) announce.textContent = now;
    if (["queued", "running"].includes(fresh.dataset.jobStatus)) schedule();
    else document.title = page.title;
  } catch (error) {
    schedule();
  }
}

function stateText() {
  const state = region.querySelector("#job-state, .govuk-panel, .govuk-error-summary") || region;
  return state.textContent.trim().replace(/\s+/g, " ");
}

function schedule() {
  window.setTimeout(check, 2000);
}

schedule();
