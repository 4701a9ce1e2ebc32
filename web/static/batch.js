// A batch of data rooms: one report per room, polled until every room is done, then one zip.
"use strict";

const batchId = document.getElementById("batch-app").dataset.batchId;
let sopNames = null;

async function load() {
  let b;
  try {
    if (!sopNames) sopNames = Object.fromEntries((await api("/v1/sops")).map((s) => [s.id, s.name]));
    b = await api(`/v1/batches/${encodeURIComponent(batchId)}`);
  } catch (e) {
    const box = document.getElementById("load-error");
    box.hidden = false;
    box.textContent = e.message;
    return;
  }
  const c = b.counts;
  document.getElementById("batch-title").textContent = `${sopNames[b.sop] || b.sop}: ${c.total} data room${c.total === 1 ? "" : "s"}`;
  document.getElementById("batch-meta").textContent = `Batch ${b.id} · ${b.engine === "llm" ? "LLM engine" : "offline engine"} · started ${new Date(b.created_at).toLocaleString()}`;
  document.getElementById("batch-counts").replaceChildren(stateBadge(b.state),
    h("span", {}, ` ${c.succeeded} ready · ${c.running} running · ${c.queued} queued · `),
    h("span" + (c.failed ? ".bad-text" : ""), {}, `${c.failed} failed`));
  const pct = c.total ? (100 * (c.succeeded + c.failed)) / c.total : 0;
  const bar = document.getElementById("batch-bar");
  bar.setAttribute("aria-valuenow", String(Math.round(pct)));
  bar.firstElementChild.style.width = `${pct}%`;
  const details = Object.fromEntries((await api(`/v1/reports?batch_id=${encodeURIComponent(batchId)}&limit=500&summary=true`)
    .catch(() => [])).map((r) => [r.id, { ...r.summary, progress: r.progress.message }]));
  const rows = b.reports.map((r) => {
    const d = details[r.report_id] || {};
    const v = d.verification;
    const pctLocated = v && v.citations ? Math.round((100 * v.citations_located) / v.citations) : 100;
    return h("tr", {},
      h("th", { scope: "row" }, r.room || r.report_id),
      h("td", {}, stateBadge(r.state)),
      h("td", {}, h("span.cell-sources", { title: (d.sources || []).join("\n") },
        `${r.document_ids.length}: ${(d.sources || []).slice(0, 2).join(", ")}${r.document_ids.length > 2 ? " …" : ""}`)),
      h("td", {}, v ? h("span", {}, `${v.items} findings · `, h("span" + (pctLocated === 100 ? ".ok-text" : ".warn-text"), {}, `${pctLocated}% located`),
        v.items_unsupported ? h("span.bad-text", {}, ` · ${v.items_unsupported} unsupported`) : null)
        : r.error ? h("span.bad-text", {}, r.error) : h("span.muted", {}, d.progress || "waiting")),
      h("td", {}, r.state === "succeeded"
        ? h("a.btn.small", { href: `/reports/${r.report_id}`, "aria-label": `Review ${r.room}` }, "Review")
        : r.state === "failed" ? "" : h("a.btn.small.ghost", { href: `/reports/${r.report_id}`, "aria-label": `Watch ${r.room}` }, "Watch")));
  });
  document.querySelector("#rooms tbody").replaceChildren(...rows);
  const dl = document.getElementById("batch-downloads");
  dl.hidden = !c.succeeded;
  document.getElementById("batch-matrix").hidden = !c.succeeded;
  for (const a of dl.querySelectorAll("a[data-fmt]")) {
    a.href = `/v1/batches/${encodeURIComponent(batchId)}/download?format=${a.dataset.fmt}`;
    a.setAttribute("download", "");
  }
  if (b.state === "queued" || b.state === "running") setTimeout(load, 1500);
  else announce(`Batch ${b.state}: ${c.succeeded} of ${c.total} reports ready.`);
}

document.addEventListener("DOMContentLoaded", load);
