// The upload page: each file is uploaded on its own as soon as it is picked, so every file gets
// its own verdict (read, unsupported, too large, encrypted -> password prompt) before the run.
"use strict";

const entries = [];   // {key, file, state: uploading|ok|error|locked, docs, error}
let sops = [];
let info = null;
let seq = 0;
// The template is suggested from the sources (POST /v1/sops/suggest), never preselected by name:
// `fits` holds each SOP's fit for the current documents, `picked` whether the user chose one.
let fits = {};
let picked = false;
let suggestedFor = null;

const KIND_LABEL = { transcript: "transcript", pdf: "PDF", docx: "DOCX", text: "text" };

function describeDocs(docs) {
  if (docs.length === 1) {
    const d = docs[0];
    const where = d.kind === "transcript" ? `${d.segment_count} turns`
      : d.pages ? `${d.pages} page${d.pages === 1 ? "" : "s"}` : `${d.segment_count} passages`;
    return `${KIND_LABEL[d.kind] || d.kind} · ${where}`;
  }
  const kinds = {};
  for (const d of docs) kinds[d.kind] = (kinds[d.kind] || 0) + 1;
  return `${docs.length} documents: ` + Object.entries(kinds).map(([k, n]) => `${n} ${KIND_LABEL[k] || k}`).join(", ");
}

function renderFiles() {
  const list = document.getElementById("file-list");
  list.replaceChildren(...entries.map(fileRow));
  const ok = entries.filter((e) => e.state === "ok");
  const docs = ok.flatMap((e) => e.docs);
  document.getElementById("file-summary").textContent = entries.length
    ? `${docs.length} readable document${docs.length === 1 ? "" : "s"} from ${ok.length} of ${entries.length} file${entries.length === 1 ? "" : "s"}.`
    : "";
  updateStart();
  refreshSuggestion();
}

async function refreshSuggestion() {
  const ids = [...new Set(readyDocs().map((d) => d.doc.id))];
  const key = ids.join(",");
  if (!sops.length || key === suggestedFor) return;
  suggestedFor = key;
  let out = [];
  if (ids.length) {
    try {
      out = await api("/v1/sops/suggest", jsonOpts("POST", { document_ids: ids }));
    } catch (err) {
      out = [];  // a hint only: without it the user still picks
    }
  }
  if (suggestedFor !== key) return;  // a later upload asked again meanwhile
  fits = Object.fromEntries(out.map((f) => [f.sop, f]));
  const best = out.find((f) => f.suggested);
  if (best && !picked) {
    const radio = document.getElementById(`sop-${best.sop}`);
    if (radio) radio.checked = true;
  }
  renderFits();
  updateStart();
}

function renderFits() {
  for (const s of sops) {
    const box = document.getElementById(`sop-${s.id}-fit`);
    if (!box) continue;
    const f = fits[s.id];
    box.replaceChildren(
      f && f.suggested ? h("span.tag.suggested", {}, "Suggested for these sources") : "",
      f && f.warning ? h("p.sop-warn.warn-text.small", {}, "⚠ " + f.warning) : "");
  }
}

function fileRow(e) {
  const status = {
    uploading: h("span.fstate.busy", {}, h("span.spinner", { "aria-hidden": "true" }), "Reading…"),
    ok: h("span.fstate.ok", {}, "✓ ", describeDocs(e.docs)),
    error: h("span.fstate.bad", {}, "✗ Not used"),
    locked: h("span.fstate.warn", {}, "🔒 Password needed"),
  }[e.state];
  const row = h("li.file." + e.state, { "data-name": e.file.name },
    h("div.file-top", {},
      h("span.fname", { title: e.file.name }, e.file.name),
      h("span.fsize.muted", {}, fmtBytes(e.file.size)),
      status,
      h("button.btn.ghost.icon", { type: "button", "aria-label": `Remove ${e.file.name}`, onclick: () => removeEntry(e) }, "✕")));
  if (e.error) row.append(h("p.ferr", { role: e.state === "error" ? "alert" : null }, e.error));
  const warnings = (e.docs || []).flatMap((d) => d.warnings.map((w) => `${d.filename}: ${w}`));
  if (warnings.length) row.append(h("details.fwarn", {}, h("summary", {}, `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`),
    h("ul", {}, warnings.slice(0, 50).map((w) => h("li", {}, w)))));
  // scanned pages (no text layer): the server can recognise them (tesseract), asked per file
  if (e.state === "ok" && !e.ocr && warnings.some((w) => /no text layer/i.test(w))) {
    row.append(h("div.ocr", {}, h("button.btn.small", { type: "button", onclick: () => send(e, e.password, true) },
      "Read again with OCR"), h("span.muted.small", {}, " recognises the scanned pages' text (slower)")));
  }
  if (e.state === "locked") {
    const id = `pw-${e.key}`;
    const input = h("input", { id, type: "password", autocomplete: "off", required: true });
    const form = h("div.pw", {},
      h("label", { for: id }, `Password for ${e.file.name}`), input,
      h("button.btn", { type: "button", onclick: () => { if (input.value) send(e, input.value); else input.focus(); } }, "Unlock"));
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); if (input.value) send(e, input.value); } });
    row.append(form);
  }
  return row;
}

function removeEntry(e) {
  entries.splice(entries.indexOf(e), 1);
  renderFiles();
  document.getElementById("file-input").focus();
}

function addFiles(files) {
  for (const file of files) {
    const e = { key: ++seq, file, state: "uploading", docs: [], error: null };
    entries.push(e);
    if (info && file.size > info.max_upload_bytes) {
      e.state = "error";
      e.error = `Too large: ${fmtBytes(file.size)}, over this server's ${fmtBytes(info.max_upload_bytes)} upload limit. Split it into smaller files.`;
      continue;
    }
    if (info && file.size > info.max_file_bytes && !/\.zip$/i.test(file.name)) {
      e.state = "error";
      e.error = `Too large: ${fmtBytes(file.size)}, over the ${fmtBytes(info.max_file_bytes)} limit for one file. Split it.`;
      continue;
    }
    send(e);
  }
  renderFiles();
}

async function send(e, password, ocr) {
  e.state = "uploading";
  e.error = null;
  e.password = password || null;
  e.ocr = Boolean(ocr);
  renderFiles();
  const form = new FormData();
  form.append("files", e.file, e.file.name);
  if (password) form.append("password", password);
  if (ocr) form.append("ocr", "true");
  try {
    const out = await api("/v1/documents", { method: "POST", body: form });
    e.docs = out.documents;
    e.state = "ok";
    announce(`${e.file.name}: read, ${describeDocs(e.docs)}.`);
  } catch (err) {
    const encrypted = err.status === 422 && /encrypt|password/i.test(err.message) && !/scheme/i.test(err.message);
    e.state = encrypted ? "locked" : "error";
    const what = err.status === 415 ? "Unsupported format: " : err.status === 413 ? "Too large: " : "";
    e.error = what + err.message;
    announce(`${e.file.name}: ${e.error}`);
  }
  renderFiles();
  if (e.state === "locked") {
    const pw = document.getElementById(`pw-${e.key}`);
    if (pw) pw.focus();
  }
}

function renderSops() {
  const box = document.getElementById("sop-list");
  const legend = box.querySelector("legend");
  const cards = sops.map((s) => {
    const id = `sop-${s.id}`;
    const sections = s.sections.map((sec) => h("li", { title: sec.instructions || "" },
      sec.title, h("span.kind", {}, sec.kind)));
    return h("div.sop-card", {},
      h("input", { type: "radio", name: "sop", id, value: s.id,
        "aria-describedby": `${id}-fit ${id}-desc`, onchange: () => { picked = true; updateStart(); } }),
      h("label", { for: id },
        h("span.sop-name", {}, s.name),
        s.suits && s.suits.length ? h("span.suits", {}, "for " + s.suits.join(", ")) : null),
      h("div.sop-fit", { id: `${id}-fit`, "aria-live": "polite" }),
      h("div.sop-body", { id: `${id}-desc` },
        h("p.sop-desc", {}, s.description || s.instructions || ""),
        h("ol.sop-sections", { "aria-label": `Sections of ${s.name}` }, sections)));
  });
  box.replaceChildren(legend, ...cards);
  renderFits();
  updateStart();
}

function readyDocs() {
  return entries.filter((e) => e.state === "ok").flatMap((e) => e.docs.map((d) => ({ doc: d, entry: e })));
}

function updateStart() {
  const btn = document.getElementById("start");
  const why = document.getElementById("start-why");
  const busy = entries.some((e) => e.state === "uploading");
  const docs = readyDocs();
  const sop = document.querySelector("input[name=sop]:checked");
  const batch = document.querySelector("input[name=mode]:checked").value === "batch";
  let reason = "";
  if (busy) reason = "Waiting for uploads to finish…";
  else if (!docs.length) reason = "Add at least one readable source.";
  else if (!sop) reason = "Pick a template.";
  else if (batch && roomsOf(docs).length < 1) reason = "No data rooms found.";
  btn.disabled = Boolean(reason);
  btn.textContent = batch ? `Build ${roomsOf(docs).length || ""} reports`.replace("  ", " ") : "Build report";
  const warning = !reason && sop && fits[sop.value] ? fits[sop.value].warning : null;
  why.textContent = reason || (batch
    ? `Rooms: ${roomsOf(docs).map((r) => `${r.name} (${r.document_ids.length})`).join(", ")}`
    : `${docs.length} source${docs.length === 1 ? "" : "s"} → ${sop ? sops.find((s) => s.id === sop.value).name : ""}`)
    + (warning ? ` · ⚠ ${warning}` : "");
  why.classList.toggle("warn-text", Boolean(warning));
}

// Same rule as the server's zip batches: the first folder inside a zip (under one shared wrapper
// folder, if all paths have one) names the room; a loose file is a room named after itself.
function roomsOf(docs) {
  const rooms = new Map();
  const byEntry = new Map();
  for (const { doc, entry } of docs) {
    if (!byEntry.has(entry)) byEntry.set(entry, []);
    byEntry.get(entry).push(doc);
  }
  for (const [entry, list] of byEntry) {
    const paths = list.map((d) => d.filename);
    const tops = new Set(paths.map((p) => p.split("/")[0]));
    const wrapped = tops.size === 1 && paths.every((p) => p.split("/").length >= 3);
    const stem = entry.file.name.replace(/\.[^.]+$/, "") || "documents";
    for (const d of list) {
      const parts = wrapped ? d.filename.split("/").slice(1) : d.filename.split("/");
      const name = parts.length > 1 ? parts[0] : stem;
      if (!rooms.has(name)) rooms.set(name, []);
      rooms.get(name).push(d.id);
    }
  }
  return [...rooms].map(([name, ids]) => ({ name, document_ids: [...new Set(ids)] }));
}

async function start(ev) {
  ev.preventDefault();
  const btn = document.getElementById("start");
  if (btn.disabled) return;
  btn.disabled = true;
  const sop = document.querySelector("input[name=sop]:checked").value;
  const engine = document.getElementById("engine").value;
  const date = document.getElementById("meeting-date").value;
  const options = date ? { meeting_date: date } : {};
  const docs = readyDocs();
  const batch = document.querySelector("input[name=mode]:checked").value === "batch";
  try {
    if (batch) {
      const out = await api("/v1/batches", jsonOpts("POST", { sop, engine, options, rooms: roomsOf(docs) }));
      location.assign(`/batches/${out.id}`);
    } else {
      const ids = [...new Set(docs.map((d) => d.doc.id))];
      const out = await api("/v1/reports", jsonOpts("POST", { sop, engine, options, document_ids: ids }));
      location.assign(`/reports/${out.id}`);
    }
  } catch (err) {
    toast(err.message);
    btn.disabled = false;
  }
}

function wireDropzone() {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("file-input");
  input.addEventListener("change", () => { addFiles([...input.files]); input.value = ""; });
  for (const t of ["dragenter", "dragover"]) zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); });
  for (const t of ["dragleave", "drop"]) zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); });
  zone.addEventListener("drop", (e) => addFiles([...e.dataTransfer.files]));
  // a file dropped anywhere on the page should not navigate away from it
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => { e.preventDefault(); if (!zone.contains(e.target)) addFiles([...e.dataTransfer.files]); });
}

document.addEventListener("DOMContentLoaded", async () => {
  wireDropzone();
  document.getElementById("new-report").addEventListener("submit", start);
  for (const r of document.querySelectorAll("input[name=mode]")) r.addEventListener("change", updateStart);
  try {
    [info, sops] = await Promise.all([engineInfo(), api("/v1/sops")]);
  } catch (err) {
    toast(err.message);
    return;
  }
  document.getElementById("limit-file").textContent = fmtBytes(info.max_file_bytes);
  const sel = document.getElementById("engine");
  sel.replaceChildren(...info.available.map((name) => h("option", { value: name, selected: name === info.default ? true : null },
    name === "llm" ? `LLM (${info.model})` : "Offline (extractive, no LLM)")));
  document.getElementById("engine-hint").textContent = info.default === "llm"
    ? `Model ${info.model}${info.endpoint ? " at " + info.endpoint : ""}. Every quote is checked against the sources.`
    : "No LLM is configured: findings are quotations picked from the sources. Set OPENAI_API_KEY or OPENAI_BASE_URL for the LLM engine.";
  renderSops();
  renderFiles();
});
