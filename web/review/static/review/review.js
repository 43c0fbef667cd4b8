// Review desk: rewrite a section and watch its job without a reload, then open the new
// version; reload a script page when its queued voiceover is ready. Every form also
// works without this file (the server answers plain posts with redirects).
"use strict";

const POLL_MS = 700;

function poll(url, onUpdate) {
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        const body = await response.json();
        if (!response.ok) { reject(new Error(body.message || response.statusText)); return; }
        if (onUpdate(body)) { resolve(body); return; }
        setTimeout(tick, POLL_MS);
      } catch (error) { reject(error); }
    };
    tick();
  });
}

function showJob(box, job) {
  box.hidden = false;
  box.querySelector("progress").value = job.progress || 0;
  box.querySelector(".progress-text").textContent =
    job.status === "queued" ? "Queued…" : job.status === "running" ? "Rewriting…" :
    job.status === "succeeded" ? "Done; opening the new version…" : "Failed: " + (job.error || "");
  return job.status === "succeeded" || job.status === "failed";
}

function followJob(statusUrl, box) {
  return poll(statusUrl, (job) => showJob(box, job)).then((job) => {
    if (job.status === "succeeded" && job.script_url) window.location.assign(job.script_url);
    return job;
  });
}

document.querySelectorAll("form.regenerate").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const box = form.querySelector(".progress");
    button.disabled = true;
    showJob(box, { status: "queued", progress: 0 });
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || response.statusText);
      const job = await followJob(body.status_url, box);
      if (job.status !== "succeeded") button.disabled = false;
    } catch (error) {
      showJob(box, { status: "failed", error: error.message });
      button.disabled = false;
    }
  });
});

const jobPage = document.querySelector("[data-job-status-url]");
if (jobPage) {
  const box = jobPage.querySelector("[role=status]");
  if (box && box.querySelector("progress")) {
    followJob(jobPage.dataset.jobStatusUrl, box).then((job) => {
      if (job.status === "failed") window.location.reload();
    }, () => {});
  }
}

const voice = document.querySelector("[data-voiceover-state=queued]");
if (voice) {
  poll(voice.dataset.voiceoverStatusUrl, (state) => state.status !== "queued").then(() => {
    // Never throw away instructions being typed: say so instead of reloading.
    const typing = [...document.querySelectorAll("textarea")].some((area) => area.value);
    if (!typing) { window.location.reload(); return; }
    const live = voice.querySelector(".live");
    if (live) live.textContent = "The voiceover is ready: reload the page to listen.";
  }, () => {});
}
