// The data-room matrix: one table section of every room side by side (GET /v1/batches/{id}/matrix).
// The server picks the cells; the page sorts and filters them in place, and the choice of section,
// columns and rows lives in the URL, so a reload, a shared link and the exports show the same matrix.
"use strict";

const mxBatch = document.getElementById("matrix-app").dataset.batchId;
const MX = { data: null, sort: { col: -1, dir: 1 }, timer: null, seq: 0 };
const FLAG_RANK = { unsupported: 0, flagged: 1, supported: 2, "not found": 3, pending: 4, failed: 5 };

function mxParams() {
  const q = new URLSearchParams(location.search);
  const out = new URLSearchParams();
  for (const k of ["section", "fields", "rows"]) if (q.get(k)) out.set(k, q.get(k));
  return out;
}

function setParams(changes) {
  const q = mxParams();
  for (const [k, v] of Object.entries(changes)) { if (v) q.set(k, v); else q.delete(k); }
  history.replaceState(null, "", `${location.pathname}${q.toString() ? "?" + q : ""}`);
  load();
}

async function load() {
  clearTimeout(MX.timer);
  const base = `/v1/batches/${encodeURIComponent(mxBatch)}/matrix`;
  const q = mxParams().toString();
  const seq = ++MX.seq;
  let data;
  try {
    data = await api(`${base}${q ? "?" + q : ""}`);
  } catch (e) {
    if (seq !== MX.seq) return;
    const box = document.getElementById("load-error");
    box.hidden = false;
    // a link naming a section or column this batch does not have (422) can still show the default matrix
    box.replaceChildren(e.message, " ", q && e.status === 422 ? h("button.btn.small", { type: "button",
      onclick: () => setParams({ section: "", fields: "", rows: "" }) }, "Show the default matrix") : "");
    return;
  }
  if (seq !== MX.seq) return; // a later choice (a second column unticked quickly) is already on its way
  MX.data = data;
  document.getElementById("load-error").hidden = true;
  const m = MX.data;
  const query = new URLSearchParams({ section: m.section, rows: m.rows_by, fields: m.columns.map((c) => c.id).join(",") });
  document.getElementById("export-csv").href = `${base}.csv?${query}`;
  document.getElementById("export-xlsx").href = `${base}.xlsx?${query}`;
  document.getElementById("matrix-title").textContent = `${m.section_title} across ${new Set(m.rows.map((r) => r.report_id)).size} data rooms`;
  document.title = `${m.section_title} matrix · reportgen`;
  controls(m);
  render();
  if (m.rows.some((r) => r.state === "queued" || r.state === "running")) MX.timer = setTimeout(load, 2000);
}

function controls(m) {
  const sel = document.getElementById("mx-section");
  sel.replaceChildren(...m.sections.map((s) => h("option", { value: s.id, selected: s.id === m.section ? true : null }, s.title)));
  document.getElementById("mx-rows").value = m.rows_by;
  const chosen = new Set(m.columns.map((c) => c.id));
  const box = document.getElementById("mx-columns");
  const have = [...box.querySelectorAll("input")].map((i) => i.value).join("\n");
  document.getElementById("mx-col-count").textContent = `${m.columns.length} of ${m.available.length}`;
  if (have === m.available.map((c) => c.id).join("\n")) { // same choices: keep the boxes (and focus) as the user left them
    for (const i of box.querySelectorAll("input")) i.checked = chosen.has(i.value);
    return;
  }
  box.replaceChildren(box.querySelector("legend"), ...m.available.map((c, i) => h("label.mc-col", {},
    h("input", { type: "checkbox", value: c.id, id: `mx-col-${i}`, checked: chosen.has(c.id) ? true : null }),
    ` ${c.label} `, h("span.muted.small", {}, `(${c.found})`))));
}

// The sort key of a row for a column: a found value sorts by its text; not found, pending and failed go last
// whichever way the column is sorted, so the rooms that have the clause stay on top.
function sortKey(row, col) {
  if (col < 0) return [0, `${row.room}\u0000${row.document || ""}`.toLowerCase(), null];
  const cell = row.cells[col];
  return [cell.entries.length ? 0 : 1 + FLAG_RANK[cell.flag], cell.value.toLowerCase(), cell.number];
}

function visibleRows() {
  const m = MX.data;
  const text = document.getElementById("mx-filter").value.trim().toLowerCase();
  const flag = document.getElementById("mx-flag").value;
  let rows = m.rows.filter((r) => {
    if (text && ![r.room, r.document || "", ...r.cells.map((c) => c.value)].some((s) => s.toLowerCase().includes(text))) return false;
    if (flag === "complete") return r.cells.every((c) => c.entries.length);
    return !flag || r.cells.some((c) => c.flag === flag);
  });
  const { col, dir } = MX.sort;
  rows = rows.slice().sort((a, b) => {
    const [ga, ta, na] = sortKey(a, col);
    const [gb, tb, nb] = sortKey(b, col);
    if (ga !== gb) return ga - gb;
    if (na != null && nb != null && na !== nb) return dir * (na - nb); // figures by amount, not by their digits
    return dir * ta.localeCompare(tb, undefined, { numeric: true });
  });
  return rows;
}

function headerCell(label, col) {
  const active = MX.sort.col === col;
  const sort = active ? (MX.sort.dir > 0 ? "ascending" : "descending") : "none";
  return h("th", { scope: "col", "aria-sort": sort, dataset: { col: String(col) } },
    h("button.mx-sort", { type: "button", onclick: () => {
      MX.sort = { col, dir: active ? -MX.sort.dir : 1 };
      render();
      announce(`Sorted by ${label}, ${MX.sort.dir > 0 ? "ascending" : "descending"}.`);
    } }, label, h("span.mx-arrow", { "aria-hidden": "true" }, active ? (MX.sort.dir > 0 ? " ▲" : " ▼") : " ↕")));
}

function flagBadge(flag, title) {
  return h(`span.mx-flag.flag-${flag.replace(" ", "-")}`, { title: title || null }, flag);
}

// A chip names its file and page; in a row per document the file is the row's, and data-room file names
// run long ("CerenceInc_20191002_8-K_EX-10.4_..."), so the chip keeps their two ends (the full label is its title).
function chipText(c, row) {
  if (row.document_id && c.document_id === row.document_id && c.page) return `p. ${c.page}`;
  const m = /^(.*?)((?: p\. \d+| line \d+)?)$/.exec(c.label);
  return m[1].length > 30 ? `${m[1].slice(0, 14)}…${m[1].slice(-12)}${m[2]}` : c.label;
}

function entryView(e, row) {
  const details = Object.entries(e.details).map(([k, v]) => `${k}: ${v}`).join(" · ");
  return h("div.mx-entry", {},
    h("span.mx-value", { title: e.value.length > 160 ? e.value : null }, e.value),
    e.edited ? h("span.tag.edited", {}, "Edited") : null,
    details ? h("div.muted.small.mx-details", { title: details }, details) : null,
    h("div.cites", {}, e.citations.map((c) => h(`a.chip.${c.status}`, { href: c.href, title: `${c.label}: “${c.quote}”`,
      "aria-label": `Open ${c.label} in the report: “${c.quote.slice(0, 80)}”` }, chipText(c, row)))));
}

function cellView(cell, row) {
  const td = h("td", { dataset: { flag: cell.flag } });
  if (!cell.entries.length) { td.append(flagBadge(cell.flag)); return td; }
  td.append(...cell.entries.map((e) => entryView(e, row)));
  if (cell.flag !== "supported") {
    const why = cell.entries.flatMap((e) => e.flags.length ? e.flags : e.support !== "supported" ? [`${e.support}`] : []);
    td.append(flagBadge(cell.flag, why.join("\n")));
  }
  return td;
}

function render() {
  const m = MX.data;
  const byDoc = m.rows_by === "documents";
  const head = h("tr", {}, headerCell(byDoc ? "Room · document" : "Room", -1), m.columns.map((c, i) => headerCell(c.label, i)));
  document.querySelector("#matrix thead").replaceChildren(head);
  const rows = visibleRows();
  const body = rows.map((r) => h("tr", { dataset: { room: r.room } },
    h("th", { scope: "row" }, h("a", { href: r.href }, r.room),
      byDoc ? h("div.muted.small", {}, r.document || (r.state === "succeeded" ? "(quote not located)" : "")) : null,
      r.state !== "succeeded" ? h("div", {}, stateBadge(r.state)) : null,
      r.error ? h("div.bad-text.small", {}, r.error) : null),
    r.cells.map((c) => cellView(c, r))));
  const tbody = document.querySelector("#matrix tbody");
  if (!m.columns.length) tbody.replaceChildren(h("tr", {}, h("td.muted", {}, "No column to show: no finished report of this batch has a row in this section yet.")));
  else tbody.replaceChildren(...(body.length ? body : [h("tr", {}, h("td.muted", { colspan: String(m.columns.length + 1) }, "No row matches the filter."))]));
  const n = new Set(m.rows.map((r) => r.report_id)).size;
  document.getElementById("mx-status").textContent = `${rows.length} of ${m.rows.length} rows shown · ${n} rooms · ${m.columns.length} columns`;
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("mx-section").addEventListener("change", (e) => setParams({ section: e.target.value, fields: "" }));
  document.getElementById("mx-rows").addEventListener("change", (e) => setParams({ rows: e.target.value === "rooms" ? "" : e.target.value }));
  document.getElementById("mx-filter").addEventListener("input", () => MX.data && render());
  document.getElementById("mx-flag").addEventListener("change", () => MX.data && render());
  document.getElementById("mx-columns").addEventListener("change", () => {
    const picked = [...document.querySelectorAll("#mx-columns input:checked")].map((i) => i.value);
    setParams({ fields: picked.join(",") || (MX.data.available[0] || {}).id || "" });
  });
  document.getElementById("matrix-controls").addEventListener("submit", (e) => e.preventDefault());
  load();
});
