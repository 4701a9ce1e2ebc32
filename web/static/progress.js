// The report page while its job runs: progress over SSE (stepper, bar, section ticks, event log, a
// connection that resumes after the last event shown), grounded previews of finished sections, and
// the switch to the review. Split from report.js, whose globals (S, reportId, h, sectionView…) it uses.
"use strict";

// The stages the server emits (reportgen.events.Stage, rendered into the page): an EventSource only
// delivers the named events it listens for.
const STAGES = (app.dataset.stages || "").split(" ").filter(Boolean);

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

function setStep(step, state) {
  const order = ["parse", "extract", "validate", "render", "ready"];
  const idx = order.indexOf(step);
  for (const li of document.querySelectorAll("#stepper li")) {
    const i = order.indexOf(li.dataset.step);
    li.classList.toggle("done", i < idx || (i === idx && state === "done"));
    li.classList.toggle("active", i === idx && state !== "done");
    li.classList.toggle("failed", i === idx && state === "failed");
    if (i === idx && state !== "done") li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  }
}

function setBar(pct) {
  const bar = document.getElementById("bar");
  bar.setAttribute("aria-valuenow", String(Math.round(pct)));
  bar.firstElementChild.style.width = `${pct}%`;
}

function setConn(text) {
  const c = document.getElementById("conn");
  c.hidden = !text;
  c.textContent = text || "";
}

function sectionProgress() {
  const list = document.getElementById("section-progress");
  list.replaceChildren(...S.sop.sections.map((sec) => h("li.pending", { dataset: { section: sec.id } },
    h("span.sp-mark", { "aria-hidden": "true" }), h("span.sp-title", {}, sec.title), h("span.sp-info.muted", {}, "waiting"))));
}

// A "section" event carries one finished section, already grounded by the server (never a raw draft):
// it is shown read-only until validation ends and the final review replaces every preview.
function showPreview(ev) {
  const sec = ev.data && ev.data.section;
  if (!sec || S.report) return;
  for (const d of ev.data.documents || []) S.previewDocs.set(d.id, d);
  const box = document.getElementById("preview");
  const list = document.getElementById("preview-sections");
  const el = sectionView(sec, true);
  const old = document.getElementById(`sec-${sec.id}`);
  if (old) old.replaceWith(el); // a replayed or retried section replaces its earlier preview
  else {
    const order = S.sop ? S.sop.sections.map((s) => s.id) : [];
    const next = [...list.children].find((c) => order.indexOf(c.dataset.section) > order.indexOf(sec.id));
    list.insertBefore(el, next || null);
  }
  box.hidden = false;
  const li = document.querySelector(`#section-progress li[data-section="${CSS.escape(sec.id)}"] .sp-info`);
  if (li && sec.status !== "failed") li.replaceChildren(h("a", { href: `#sec-${sec.id}` }, li.textContent));
}

function clearPreview() {
  document.getElementById("preview").hidden = true;
  document.getElementById("preview-sections").replaceChildren();
}

function onEvent(ev) {
  if (ev.stage === "section") { showPreview(ev); return; }
  const log = document.getElementById("event-log");
  const at = ev.at ? new Date(ev.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
  log.append(h("li", { dataset: { eventId: ev.id } }, h("time.muted", {}, at), " ", ev.message));
  log.scrollTop = log.scrollHeight;
  document.getElementById("progress-msg").textContent = ev.message;
  const st = ev.stage;
  if (st === "started") { setStep("parse"); setBar(4); }
  else if (st === "parsed") { setStep("extract"); setBar(12); }
  else if (st === "extracted") {
    setStep("extract");
    if (ev.total) {
      setBar(12 + (70 * ev.done) / ev.total);
      document.querySelector("[data-step=extract] .step-detail").textContent = `· section ${ev.done} of ${ev.total}`;
    }
    const li = ev.section_id && document.querySelector(`#section-progress li[data-section="${CSS.escape(ev.section_id)}"]`);
    if (li) {
      const n = ev.data && typeof ev.data.items === "number" ? ev.data.items : null;
      const p = ev.data && typeof ev.data.passages === "number" ? ev.data.passages : 0;
      const failed = / \(failed\)$/.test(ev.message);
      li.className = failed ? "failed" : "done";
      li.querySelector(".sp-info").textContent = failed ? "failed" : n === null ? "done"
        : !n && p ? `${p} passage${p === 1 ? "" : "s"} to read` : `${n} item${n === 1 ? "" : "s"}`;
    }
    if (ev.done && ev.done === ev.total) setStep("validate");
  } else if (st === "validated") { setStep("validate"); setBar(88); }
  else if (st === "finished") { setStep("render"); setBar(92); }
  else if (st === "retry") { setConn("An attempt failed and will be retried: " + ev.message); }
  else if (st === "failed") { showFailure(ev.message); }
}

function follow() {
  let last = 0;
  let es = null;
  let ended = false;
  let tries = 0;
  const handle = (msg) => {
    const id = parseInt(msg.lastEventId || "0", 10);
    if (id && id <= last) return; // already shown before a reconnect
    if (id) last = id;
    try { onEvent(JSON.parse(msg.data)); } catch (e) { /* a keep-alive or foreign message */ }
  };
  const open = () => {
    es = new EventSource(`/v1/reports/${encodeURIComponent(reportId)}/events${last ? `?after=${last}` : ""}`);
    for (const name of STAGES) es.addEventListener(name, handle);
    es.onmessage = handle;
    es.onopen = () => { tries = 0; setConn(null); };
    es.addEventListener("end", (m) => {
      ended = true;
      es.close();
      setConn(null);
      const state = JSON.parse(m.data).state;
      if (state === "succeeded") finished();
      else refreshStatus().then(() => showFailure(S.status.error || "the report failed."));
    });
    // Reconnect ourselves rather than rely on the browser's retry: `?after=` resumes exactly after the
    // last event shown, whatever the browser does with Last-Event-ID, and backs off if the server is down.
    es.onerror = () => {
      if (ended) return;
      es.close();
      const wait = Math.min(10000, 1000 * 2 ** tries++);
      setConn(`Connection dropped; reconnecting in ${wait / 1000} s and resuming after event ${last}…`);
      setTimeout(open, wait);
    };
  };
  open();
}

function showFailure(message) {
  document.getElementById("preview-note").textContent = "Preview of the sections finished before the run failed; they were never validated.";
  const st = document.querySelector("#stepper li.active") || document.querySelector("#stepper li");
  st.classList.add("failed");
  document.getElementById("progress-title").textContent = "The report could not be built";
  const box = document.getElementById("load-error");
  box.hidden = false;
  box.replaceChildren(h("strong", {}, "Failed: "), message, " ",
    h("a", { href: "/" }, "Start a new report"), " with other sources or another template.");
}

// Some sections failed (the status says `partial`): said where a failure would be, and kept shown.
function showPartial() {
  if (!S.status || !S.status.partial) return;
  const box = document.getElementById("load-error");
  document.getElementById("review").before(box);  // above the review, not below it
  box.hidden = false;
  box.replaceChildren(h("strong", {}, "Partial report: "),
    S.status.progress.message.replace(/^partial report: /, ""),
    ". The failed sections are marked in the report; start it again to retry them.");
}

async function finished() {
  setStep("render");
  setBar(94);
  document.getElementById("progress-msg").textContent = "Preparing the PDF and DOCX…";
  await refreshStatus();
  await loadReview();
  const t0 = performance.now();
  const formats = await watchDownloads((text) => { document.getElementById("progress-msg").textContent = text; });
  document.getElementById("progress-msg").textContent = formats && formats.pdf === "ready"
    ? `Ready. PDF prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s.`
    : "Ready. (The PDF will render when you download it.)";
  setStep("ready", "done");
  setBar(100);
  showPartial();
  announce(S.status.partial ? "The report is ready, with some sections failed." : "The report is ready for review.");
  setTimeout(() => { document.getElementById("progress").hidden = true; }, 1200);
}
