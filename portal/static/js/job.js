// A job's progress page checks again by itself every two seconds (without JavaScript, its "Check again" button
// does). Only when something has changed does it replace the part of the page that says how far the job has got,
// leaving the heading and the reader's place alone, and say the new state once, in the status region.
const region = document.getElementById("job-progress");
const announce = document.getElementById("job-announce");
hideCheckAgain();

function hideCheckAgain() {
  const button = region.querySelector("[data-job-check]");
  if (button) button.closest("form").hidden = true;
}

function stateOf(element) {
  const state = element.querySelector("[data-job-state]");
  return `${element.dataset.jobStatus} ${(state || element).textContent.trim().replace(/\s+/g, " ")}`;
}

async function check() {
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!response.ok) return schedule();
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("job-progress");
    if (!fresh) return schedule();
    if (stateOf(fresh) !== stateOf(region)) {
      region.replaceChildren(...fresh.childNodes);
      region.dataset.jobStatus = fresh.dataset.jobStatus;
      hideCheckAgain();
      const state = region.querySelector("[data-job-state]");
      announce.textContent = (state || region).textContent.trim().replace(/\s+/g, " ");
    }
    if (["queued", "running"].includes(fresh.dataset.jobStatus)) schedule();
  } catch (error) {
    schedule();
  }
}

function schedule() {
  window.setTimeout(check, 2000);
}

schedule();
