// History: every report (and batch) of this tenant, newest first, refreshed while any still runs.
"use strict";

function evidence(v) {
  if (!v) return h("span.muted", {}, "—");
  const pct = v.citations ? Math.round((100 * v.citations_located) / v.citations) : 100;
  return h("span", { title: `${v.citations_located} of ${v.citations} quotes located` },
    `${v.items} findings · `, h("span" + (pct === 100 ? ".ok-text" : ".warn-text"), {}, `${pct}% located`),
    v.items_unsupported ? h("span.bad-text", {}, ` · ${v.items_unsupported} unsupported`) : null);
}

function sourcesCell(docs) {
  const shown = docs.slice(0, 2).join(", ");
  return h("span.cell-sources", { title: docs.join("\n") }, shown, docs.length > 2 ? ` +${docs.length - 2}` : "");
}

async function load() {
  let reports, batches;
  try {
    [reports, batches] = await Promise.all([api("/v1/reports?limit=200&summary=true"), api("/v1/batches?limit=50")]);
  } catch (e) {
    document.querySelector("#reports tbody").replaceChildren(h("tr", {}, h("td", { colspan: 7 }, h("span.bad-text", {}, e.message))));
    return;
  }
  const tbody = document.querySelector("#reports tbody");
  tbody.replaceChildren(...(reports.length ? reports.map(({ summary: s, ...r }) => h("tr", {},
    h("td", { title: new Date(r.created_at).toLocaleString() }, fmtWhen(r.created_at)),
    h("td", {}, s.sop_name, r.room ? h("span.muted", {}, ` · ${r.room}`) : null),
    h("td", {}, sourcesCell(s.sources)),
    h("td", {}, stateBadge(r.state), r.state === "running" && r.progress.message ? h("span.muted.small", {}, " " + r.progress.message) : null,
      r.error ? h("div.bad-text.small.clip", { title: r.error }, r.error) : null),
    h("td", {}, evidence(s.verification), r.revision ? h("span.tag.edited", { title: `${r.revision} edit(s)` }, "Edited") : null),
    h("td.muted", {}, r.engine === "llm" ? `LLM ${s.model || ""}` : "offline"),
    h("td", {}, h("a.btn.small", { href: `/reports/${r.id}`, "aria-label": `Open ${s.sop_name} report from ${fmtWhen(r.created_at)}` },
      r.state === "succeeded" ? "Review" : "Open")))) : [h("tr", {}, h("td.muted", { colspan: 7 }, "No reports yet. ", h("a", { href: "/" }, "Start one.")))]));
  const bsec = document.getElementById("batches-section");
  bsec.hidden = !batches.length;
  document.querySelector("#batches tbody").replaceChildren(...batches.map((b) => h("tr", {},
    h("td", { title: new Date(b.created_at).toLocaleString() }, fmtWhen(b.created_at)),
    h("td", { title: b.sop }, b.sop_name || b.sop),
    h("td", {}, `${b.counts.succeeded}/${b.counts.total} ready`, b.counts.failed ? h("span.bad-text", {}, ` · ${b.counts.failed} failed`) : null),
    h("td", {}, stateBadge(b.state)),
    h("td", {}, h("a.btn.small", { href: `/batches/${b.id}` }, "Open")))));
  const busy = reports.some((r) => r.state === "queued" || r.state === "running") ||
    batches.some((b) => b.state === "queued" || b.state === "running");
  if (busy) setTimeout(load, 3000);
}

document.addEventListener("DOMContentLoaded", load);
