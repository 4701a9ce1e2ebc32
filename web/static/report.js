// The report page: the review — verification summary, sections and items, citation chips that open
// the source viewer, accept/reject, per-section feedback and downloads. Its companions share these
// globals: progress.js (the running job over SSE), editor.js (inline edits), triage.js (search,
// filters, keyboard review, bulk accept).
"use strict";

const app = document.getElementById("report-app");
const reportId = app.dataset.reportId;
const S = { watch: null, status: null, report: null, sop: null, docs: new Map(), feedback: {}, rev: 0, activeChip: null,
  previewDocs: new Map() };

async function refreshStatus() {
  S.status = await api(`/v1/reports/${encodeURIComponent(reportId)}`);
  S.rev = S.status.revision;
}

// ---------------------------------------------------------------------------------------------
// Review
// ---------------------------------------------------------------------------------------------

// The server's verdict (models.Item.support): quotes located AND values consistent with them.
function support(item) {
  if (item.support) return item.support;
  const n = item.citations.length;
  if (!n) return "uncited";
  const located = item.citations.filter((c) => c.status !== "unsupported").length;
  return located === n ? "supported" : located ? "partial" : "unsupported";
}

// An unrated scorecard row without quotes is a slot for the reviewer's rating: it claims nothing (models.Section.is_slot).
function isSlot(section, item) {
  return section.kind === "scorecard" && (item.fields.rating === null || item.fields.rating === undefined) && !item.citations.length;
}

// What a section claims: passages to read and unrated slots are not findings (models.Section.findings).
function findings(section) { return section.items.filter((i) => !isSlot(section, i)); }

function verification(report) {
  const items = report.sections.flatMap((s) => findings(s));
  const cites = items.flatMap((i) => i.citations);
  const by = { exact: 0, normalized: 0, fuzzy: 0, unsupported: 0 };
  for (const c of cites) by[c.status] = (by[c.status] || 0) + 1;
  return {
    items: items.length,
    supported: items.filter((i) => support(i) === "supported").length,
    unsupported: items.filter((i) => ["unsupported", "uncited"].includes(support(i))).length,
    partial: items.filter((i) => support(i) === "partial").length,
    inconsistent: items.filter((i) => support(i) === "inconsistent").length,
    citations: cites.length, located: cites.length - by.unsupported, by,
    reviewed: items.filter((i) => i.review !== "pending").length,
    edited: items.filter((i) => i.edited).length,
    passages: report.sections.reduce((n, s) => n + (s.passages || []).length, 0),
  };
}

function firstUnsupported(report) {
  return report.sections.flatMap((s) => findings(s)).find((i) => ["unsupported", "uncited"].includes(support(i)));
}

function allDocs() { return S.report ? S.report.documents : [...S.previewDocs.values()]; }

function docOf(id) { return allDocs().find((d) => d.id === id); }

function chipLabel(c) {
  if (c.status === "unsupported" || !c.document_id) return "[quote not found]";
  const doc = docOf(c.document_id);
  // A preview only knows the sources its sections cite, so it names the file whenever there are several.
  const paged = S.report ? S.report.documents.filter((d) => d.kind === "pdf" || d.kind === "docx").length
    : S.status.document_ids.length;
  const name = doc ? doc.filename.split("/").pop() : "source";
  if (c.start !== null && c.start !== undefined) return `[${fmtClock(c.start)}${c.speaker ? " · " + c.speaker : ""}]`;
  if (c.speaker) return `[${c.speaker}]`;
  if (c.page) return `[${paged > 1 && doc ? doc.filename + " " : ""}p. ${c.page}]`;
  // Text files: the line (and paragraph) the quote starts on, as grounding.format_locator writes it.
  const several = S.report ? S.report.documents.length > 1 : S.status.document_ids.length > 1;
  if (c.line) return several ? `[${name} line ${c.line}]` : `[${c.paragraph ? "¶ " + c.paragraph + ", " : ""}line ${c.line}]`;
  if (c.segment_ids && c.segment_ids.length) return `[${several ? name + " " : ""}¶ ${c.segment_ids[0] + 1}]`;
  return `[${name}]`;
}

function chipDescription(c) {
  if (c.status === "unsupported" || !c.document_id) return `Quote not found in the sources: “${c.quote}”`;
  const doc = docOf(c.document_id);
  const where = c.start != null ? `at ${fmtClock(c.start)}${c.speaker ? ", " + c.speaker : ""}` : c.page ? `page ${c.page}`
    : c.line ? `line ${c.line}` : "";
  return `Open in ${doc ? doc.filename : "the source"} ${where}: “${c.quote}”`;
}

function chip(c) {
  const cls = c.status === "unsupported" ? "unsupported" : c.status;
  const b = h("button.chip." + cls, { type: "button", "aria-label": chipDescription(c), title: chipDescription(c),
    "aria-controls": "viewer" }, chipLabel(c));
  if (c.status === "fuzzy") b.append(h("span.approx", { "aria-hidden": "true" }, "≈"));
  b.addEventListener("click", () => openCitation(c, b));
  return b;
}

function humanize(name) { return name.replace(/_/g, " ").replace(/^\w/, (ch) => ch.toUpperCase()); }

function showValue(v) {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.length ? v.join("; ") : "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "object") return v.text || (v.value != null ? `${v.value}${v.unit ? " " + v.unit : ""}` : "—");
  return String(v);
}

function specOf(sectionId) { return S.sop ? S.sop.sections.find((s) => s.id === sectionId) : null; }

function criterionOf(spec, item) {
  return spec && spec.criteria ? spec.criteria.find((c) => c.id === item.fields.criterion) : null;
}

function fieldsView(section, item) {
  const f = item.fields;
  const spec = specOf(section.id);
  if (section.kind === "scorecard") {
    const rated = f.rating !== null && f.rating !== undefined;
    const crit = criterionOf(spec, item);
    return h("div.fields", {},
      h("div.score-head", {}, h("strong.item-main", {}, f.name || f.criterion || "Criterion"),
        h("span.rating" + (rated ? "" : ".unrated"), {}, rated ? `${f.rating} · ${f.band || ""}` : "Not rated")),
      crit ? h("p.muted.small", {}, crit.question) : null,
      h("p.item-text", { dataset: { field: "rationale" } }, showValue(f.rationale)));
  }
  const names = Object.keys(f);
  if (names.length === 1 && names[0] === "text") return h("div.fields", {}, h("p.item-text", { dataset: { field: "text" } }, showValue(f.text)));
  const [main, ...rest] = names;
  return h("div.fields", {},
    h("p.item-text.item-main", { dataset: { field: main } }, showValue(f[main])),
    rest.length ? h("dl.meta", {}, rest.flatMap((n) => [h("dt", {}, humanize(n)), h("dd", { dataset: { field: n } }, showValue(f[n]))])) : null);
}

function flagView(flag) {
  const i = flag.indexOf(":");
  const code = i > 0 ? flag.slice(0, i) : flag;
  const msg = i > 0 ? flag.slice(i + 1).trim() : "";
  const serious = ["unsupported", "no-evidence", "invalid-enum", "invalid-rating", "missing-field"].includes(code);
  return h("li.flag" + (serious ? ".serious" : ""), {}, h("span.flag-code", {}, code), " ", msg);
}

// Passages to read: located quotes the offline engine offers where it writes no findings. Each opens the source
// viewer like a citation, but is never reviewed, edited or counted as a finding.
function passageView(p) {
  const who = p.role ? h("span.passage-role.muted.small", {}, ` ${p.role}`) : null;
  return h("li.passage", {}, h("q.passage-quote", {}, p.quote), " ", chip(p), who);
}

function passagesView(list, title) {
  return h("div.passages", { role: "group", "aria-label": title },
    h("p.passages-head", {}, h("strong", {}, title), h("span.muted.small", {},
      " · not findings: quoted as found, for you to judge")),
    h("ul.passage-list", {}, list.map(passageView)));
}

function itemView(section, item, preview = false) {
  const slot = isSlot(section, item);
  const sup = slot ? "slot" : support(item);
  const li = h(`li.item.support-${sup}.review-${item.review}`, { id: `item-${item.id}`, dataset: { itemId: item.id } });
  const body = h("div.item-body", {});
  if (sup === "unsupported" || sup === "uncited") {
    body.append(h("p.support-banner", {}, "⚠ Unsupported: ", sup === "uncited"
      ? "this finding cites no quote from the sources." : "none of its quotes were found in the sources. Check it before relying on it."));
  } else if (sup === "partial") {
    const missing = item.citations.filter((c) => c.status === "unsupported").length;
    body.append(h("p.support-banner.partial", {}, `Partly supported: ${missing} of ${item.citations.length} quotes not found in the sources.`));
  }
  body.append(fieldsView(section, item));
  if (item.citations.length) body.append(h("div.cites", { role: "group", "aria-label": "Evidence" }, item.citations.map(chip)));
  const toRead = section.kind === "scorecard" ? (section.passages || []).filter((p) => p.criterion === item.fields.criterion) : [];
  if (toRead.length) body.append(passagesView(toRead, "To read"));
  if (item.flags.length) body.append(h("ul.flags", { "aria-label": "Flags" }, item.flags.map(flagView)));
  if (preview) { li.append(body); return li; }
  const tags = h("div.tags", {},
    item.edited ? h("span.tag.edited", {}, "Edited") : null,
    item.review === "accepted" ? h("span.tag.accepted", {}, "Accepted") : null,
    item.review === "rejected" ? h("span.tag.rejected", {}, "Rejected") : null);
  const label = showValue(Object.values(item.fields)[section.kind === "scorecard" ? 1 : 0]).slice(0, 60);
  const actions = h("div.item-actions", {}, tags,
    h("div.btn-row", {},
      h("button.btn.small.accept", { type: "button", "aria-pressed": String(item.review === "accepted"),
        "aria-label": `Accept: ${label}`, onclick: () => setReview(section, item, item.review === "accepted" ? "pending" : "accepted") }, "✓ Accept"),
      h("button.btn.small.reject", { type: "button", "aria-pressed": String(item.review === "rejected"),
        "aria-label": `Reject: ${label}`, onclick: () => setReview(section, item, item.review === "rejected" ? "pending" : "rejected") }, "✕ Reject"),
      h("button.btn.small.edit", { type: "button", "aria-label": `Edit: ${label}`, onclick: () => editItem(section, item) }, "✎ Edit")));
  li.append(body, actions);
  return li;
}

function feedbackView(section) {
  const fb = S.feedback[section.id];
  const box = h("div.feedback", { role: "group", "aria-label": `Feedback on ${section.title}` },
    h("span.fb-q", {}, "Did this section get it right?"),
    h("button.btn.small.thumb", { type: "button", "aria-pressed": String(fb ? fb.vote === "up" : false),
      "aria-label": `Yes, ${section.title} got it right`, onclick: () => openFeedback(section, "up") }, "👍"),
    h("button.btn.small.thumb", { type: "button", "aria-pressed": String(fb ? fb.vote === "down" : false),
      "aria-label": `No, ${section.title} got something wrong`, onclick: () => openFeedback(section, "down") }, "👎"));
  return box;
}

function sectionView(section, preview = false) {
  const el = h("section.rsec" + (preview ? ".preview" : ""), { id: `sec-${section.id}`, "aria-labelledby": `h-${section.id}`,
    dataset: { section: section.id } });
  const n = section.items.length;
  const passages = section.passages || [];
  const loose = section.kind === "scorecard" ? passages.filter((p) => !section.items.some((i) => i.fields.criterion === p.criterion)) : passages;
  const found = findings(section).length;
  const counts = section.kind === "scorecard" ? `${n} criteria, ${found} rated or cited` : `${found} finding${found === 1 ? "" : "s"}`;
  el.append(h("header.rsec-head", {},
    h("div", {}, h("h2", { id: `h-${section.id}` }, section.title),
      h("span.muted.small", {}, `${section.kind} · ${counts}` + (passages.length ? ` · ${passages.length} passage${passages.length === 1 ? "" : "s"} to read` : ""))),
    preview ? h("span.tag.preview-tag", {}, "Preview") : feedbackView(section)));
  if (!preview) {
    el.append(h("div.fb-slot", {}));
    const fb = S.feedback[section.id];
    if (fb) el.querySelector(".fb-slot").append(feedbackDone(fb));
  }
  if (section.status === "failed") el.append(h("p.error-box", {}, "This section could not be extracted: ", section.notes.join(" ")));
  else if (section.notes.length) el.append(h("ul.notes.muted.small", {}, section.notes.map((x) => h("li", {}, x))));
  if (!n && !passages.length && section.status !== "failed") el.append(h("p.empty.muted", {}, "Nothing in the sources answered this section."));
  if (n) el.append(h("ol.items", {}, section.items.map((it) => itemView(section, it, preview))));
  if (loose.length) el.append(passagesView(loose, "Passages to read"));
  return el;
}

function summaryView() {
  const r = S.report;
  const v = verification(r);
  const pct = v.citations ? Math.round((100 * v.located) / v.citations) : 100;
  const stat = (value, label, cls = "") => h("div.stat" + cls, {}, h("span.stat-value", {}, value), h("span.stat-label", {}, label));
  const errors = r.issues.filter((i) => i.severity === "error");
  const box = h("section.summary", { "aria-labelledby": "h-summary" },
    h("h2.sr-only", { id: "h-summary" }, "Verification summary"),
    h("div.stats", {},
      stat(`${v.located}/${v.citations}`, `quotes located (${pct}%)`, pct === 100 ? ".good" : ".warn"),
      r.extractive
        ? stat(String(v.items), "findings quoted from the sources (chosen, not written)")
        : stat(String(v.supported), `of ${v.items} findings supported (quotes located, values consistent)`),
      v.passages ? stat(String(v.passages), "passages to read (not findings)") : null,
      v.inconsistent ? stat(String(v.inconsistent), "with values their quotes do not state", ".warn") : null,
      v.unsupported ? h("a.stat.bad.stat-link", { href: `#item-${firstUnsupported(r).id}` }, h("span.stat-value", {}, String(v.unsupported)),
        h("span.stat-label", {}, "unsupported: show the first")) : stat("0", "unsupported"),
      stat(`${v.reviewed}/${v.items}`, "reviewed"),
      stat(String(v.edited), "edited")),
    h("p.small.muted.by-status", {}, `Matches: ${v.by.exact} exact · ${v.by.normalized} normalised · ${v.by.fuzzy} fuzzy · ${v.by.unsupported} not found`));
  if (r.extractive) box.append(h("p.notice", {}, h("strong", {}, "Extractive draft. "),
    "The offline engine picked these sentences from the sources rather than writing conclusions; every finding is a quotation. Review before relying on it. Where it has no detector of measured quality it writes no findings and offers passages to read instead."));
  if (r.issues.length) {
    box.append(h("details.issues" + (errors.length ? ".has-errors" : ""), { open: errors.length ? true : null },
      h("summary", {}, `${r.issues.length} note${r.issues.length === 1 ? "" : "s"} from the run` + (errors.length ? ` (${errors.length} error${errors.length === 1 ? "" : "s"})` : "")),
      h("ul", {}, r.issues.map((i) => h("li.issue." + i.severity, {}, h("span.flag-code", {}, i.severity), " ", i.message)))));
  }
  box.append(h("div.summary-foot", {},
    h("div.sources", {}, h("span.muted.small", {}, "Sources: "), r.documents.map((d) =>
      h("button.linkish.small", { type: "button", onclick: (e) => openDocument(d.id, e.currentTarget) },
        `${d.filename} (${d.kind === "transcript" ? fmtClock(d.duration || 0) : d.pages ? d.pages + " p." : d.kind})`))),
    h("nav.toc", { "aria-label": "Sections" }, r.sections.map((s) =>
      h("a", { href: `#sec-${s.id}` }, s.title, h("span.count", {}, String(findings(s).length || ((s.passages || []).length ? "to read" : 0))))))));
  return box;
}

function renderReview() {
  clearPreview();
  const review = document.getElementById("review");
  review.replaceChildren(summaryView(), ...S.report.sections.map((s) => sectionView(s)));
  review.hidden = false;
  if (typeof triageMount === "function") triageMount();  // triage.js: search, filters, keys, bulk accept
}

function refreshSummary() {
  const old = document.querySelector(".summary");
  if (old) old.replaceWith(summaryView());
}

function replaceItem(section, item) {
  const idx = section.items.findIndex((i) => i.id === item.id);
  section.items[idx] = item;
  document.getElementById(`item-${item.id}`).replaceWith(itemView(section, item));
  refreshSummary();
  if (typeof triageRefresh === "function") triageRefresh(section, item);
}

async function patchItem(section, item, body) {
  const out = await api(`/v1/reports/${encodeURIComponent(reportId)}/items/${encodeURIComponent(item.id)}`, jsonOpts("PATCH", body));
  S.rev += 1;
  updateDownloads();
  watchDownloads();
  replaceItem(section, out);
  return out;
}

async function setReview(section, item, review) {
  const li = document.getElementById(`item-${item.id}`);
  const focused = document.activeElement;
  const wasHere = !focused || focused === document.body || (li && li.contains(focused));
  try {
    await patchItem(section, item, { review });
    announce(review === "pending" ? "Review cleared." : `Item ${review}.`);
    // The item's view was replaced, which drops the focus if it was inside. Put it back only then: a reviewer
    // who moved on while the request was slow (j, k, a click) keeps their place, or their next key would act on
    // this item again.
    const now = document.activeElement;
    if (!wasHere || (now && now !== document.body)) return;
    const btn = document.querySelector(`#item-${CSS.escape(item.id)} .${review === "rejected" ? "reject" : "accept"}`);
    if (btn) btn.focus();
  } catch (e) { toast(e.message); }
}

function feedbackDone(fb) {
  return h("p.fb-done.small", {}, fb.vote === "up" ? "👍 You said this section got it right" : "👎 You said this section got something wrong",
    fb.reason ? `: “${fb.reason}”` : ".");
}

function openFeedback(section, vote) {
  const sec = document.getElementById(`sec-${section.id}`);
  const slot = sec.querySelector(".fb-slot");
  const id = `fb-${section.id}`;
  const ta = h("textarea", { id, rows: 2, maxlength: 5000,
    placeholder: vote === "down" ? "e.g. missed the change-of-control clause" : "optional" });
  const form = h("form.fb-form", {},
    h("label", { for: id }, vote === "down" ? "What was wrong or missing?" : "What did it get right? (optional)"), ta,
    h("div.btn-row", {}, h("button.btn.primary.small", { type: "submit" }, vote === "down" ? "Send 👎" : "Send 👍"),
      h("button.btn.small", { type: "button", onclick: () => { slot.replaceChildren(S.feedback[section.id] ? feedbackDone(S.feedback[section.id]) : ""); } }, "Cancel")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const fb = await api(`/v1/reports/${encodeURIComponent(reportId)}/feedback`,
        jsonOpts("POST", { section_id: section.id, vote, reason: ta.value.trim() }));
      S.feedback[section.id] = fb;
      sec.querySelector(".feedback").replaceWith(feedbackView(section));
      slot.replaceChildren(feedbackDone(fb));
      announce("Thanks, your feedback was recorded.");
    } catch (ex) { toast(ex.message); }
  });
  slot.replaceChildren(form);
  ta.focus();
}

function downloadUrl(fmt) { return `/v1/reports/${encodeURIComponent(reportId)}.${fmt}?rev=${S.rev}`; }

function updateDownloads() {
  const box = document.getElementById("downloads");
  for (const a of box.querySelectorAll("a[data-fmt]")) {
    a.href = downloadUrl(a.dataset.fmt);
    a.setAttribute("download", "");
    a.onclick = (e) => {  // a file still being prepared: say so rather than start a download that waits
      if (a.getAttribute("aria-disabled") === "true") {
        e.preventDefault();
        announce(`The ${a.dataset.label} is being prepared; its button turns on when it is ready.`);
      }
    };
  }
  box.hidden = false;
}

// The server renders the PDF and DOCX in the background for every revision (a finished job, an edit);
// until a file is ready its button shows "preparing". Polls GET /downloads until nothing is preparing
// or another edit starts a newer watch. `say` gets a progress line; returns the last states.
function watchDownloads(say) {
  if (S.watch && S.watch.rev === S.rev) {  // one watch per revision, whoever asks
    if (say) S.watch.say = say;
    return S.watch.promise;
  }
  const w = { rev: S.rev, say: say || (() => {}) };
  w.promise = pollDownloads(w);
  S.watch = w;
  return w.promise;
}

async function pollDownloads(w) {
  const rev = w.rev;
  const names = { pdf: "PDF", docx: "DOCX" };
  for (let i = 0; i < 600 && rev === S.rev; i++) {
    let st;
    try {
      st = await api(`/v1/reports/${encodeURIComponent(reportId)}/downloads`);
    } catch (e) {
      markDownloads({});
      return null;
    }
    if (st.revision >= rev) {
      markDownloads(st.formats);
      const parts = Object.entries(st.formats).map(([f, v]) => `${names[f] || f} ${v.startsWith("failed") ? "failed" : v}`);
      w.say(`Preparing the downloads: ${parts.join(", ")}…`);
      if (Object.values(st.formats).every((v) => v !== "preparing")) return st.formats;
    }
    await new Promise((r) => setTimeout(r, i < 20 ? 250 : 1000));
  }
  return null;
}

function markDownloads(formats) {
  for (const a of document.querySelectorAll("#downloads a[data-fmt]")) {
    const label = a.dataset.label || (a.dataset.label = a.textContent);
    const preparing = formats[a.dataset.fmt] === "preparing";
    a.classList.toggle("preparing", preparing);
    a.toggleAttribute("aria-busy", preparing);
    if (preparing) a.setAttribute("aria-disabled", "true"); else a.removeAttribute("aria-disabled");
    a.textContent = preparing ? `${label} (preparing…)` : label;
  }
}

async function loadReview() {
  const [report, feedback] = await Promise.all([
    api(`/v1/reports/${encodeURIComponent(reportId)}/result`),
    api(`/v1/reports/${encodeURIComponent(reportId)}/feedback`).catch(() => []),
  ]);
  S.report = report;
  for (const f of feedback) S.feedback[f.section_id] = f; // newest last wins
  const srcs = report.documents.map((d) => d.filename);
  document.getElementById("report-title").textContent = report.sop_name || report.sop_id;
  document.getElementById("report-meta").textContent = [
    srcs.length > 3 ? `${srcs.slice(0, 3).join(", ")} +${srcs.length - 3}` : srcs.join(", "),
    report.engine === "llm" ? `LLM · ${report.model || ""}` : "offline engine",
    new Date(report.created_at).toLocaleString(), S.status.room ? `room ${S.status.room}` : null,
  ].filter(Boolean).join(" · ");
  document.title = `${report.sop_name || report.sop_id} · reportgen`;
  updateDownloads();
  watchDownloads();
  renderReview();
}

// ---------------------------------------------------------------------------------------------
// Source viewer
// ---------------------------------------------------------------------------------------------

// The API pages a document's segments; the viewer shows any of them, so it reads every page
// (the text once, then segments only).
async function fetchDoc(id) {
  const doc = await api(`/v1/documents/${encodeURIComponent(id)}?limit=10000`);
  let next = doc.links && doc.links.next;
  while (next) {
    const page = await api(next.replace("text=true", "text=false"));
    doc.segments.push(...page.segments);
    next = page.links && page.links.next;
  }
  return doc;
}

function loadDoc(id) {
  if (!S.docs.has(id)) S.docs.set(id, fetchDoc(id));
  return S.docs.get(id);
}

const MATCH = {
  exact: "Found verbatim.",
  normalized: "Found after normalising case, spacing, punctuation or filler words.",
  fuzzy: "Found approximately",
};

function segmentView(seg, range, doc) {
  const row = h("div.seg", { dataset: { seg: seg.id } });
  if (doc.kind === "transcript") {
    row.append(h("span.seg-time", {}, seg.start != null ? fmtClock(seg.start) : ""),
      h("span.seg-speaker", {}, seg.speaker || ""));
  }
  const text = h("span.seg-text", {});
  if (range && range[0] < seg.char_end && range[1] > seg.char_start) {
    const a = Math.max(range[0], seg.char_start) - seg.char_start;
    const b = Math.min(range[1], seg.char_end) - seg.char_start;
    text.append(seg.text.slice(0, a), h("mark", {}, seg.text.slice(a, b)), seg.text.slice(b));
    row.classList.add("hit");
  } else text.textContent = seg.text;
  row.append(text);
  return row;
}

function openViewer(opener) {
  const viewer = document.getElementById("viewer");
  viewer.classList.add("open");
  document.body.classList.add("viewer-open");
  document.getElementById("viewer-close").hidden = false;
  if (S.activeChip) S.activeChip.classList.remove("active");
  S.activeChip = opener || null;
  if (opener) opener.classList.add("active");
}

function closeViewer() {
  const viewer = document.getElementById("viewer");
  viewer.classList.remove("open");
  document.body.classList.remove("viewer-open");
  document.getElementById("viewer-close").hidden = true;
  if (S.activeChip) { S.activeChip.classList.remove("active"); S.activeChip.focus(); }
}

async function openCitation(c, opener) {
  openViewer(opener);
  const title = document.getElementById("viewer-title");
  const quoteBox = document.getElementById("viewer-quote");
  const body = document.getElementById("viewer-body");
  const nav = document.getElementById("viewer-nav");
  nav.hidden = true;
  quoteBox.replaceChildren(h("blockquote", {}, c.quote));
  if (c.status === "unsupported" || !c.document_id) {
    title.textContent = "Quote not found";
    quoteBox.append(h("p.support-banner", {}, "This quote does not appear in any source, even approximately. The finding is kept but marked unsupported: check it against the sources yourself."));
    body.replaceChildren();
    title.focus();
    return;
  }
  const ref = docOf(c.document_id);
  title.textContent = ref ? ref.filename : "Source";
  quoteBox.append(h("p.match.small", {}, c.status === "fuzzy" ? `${MATCH.fuzzy} (${Math.round(c.score * 100)}% similar).` : MATCH[c.status] || "",
    " ", c.start != null ? `At ${fmtClock(c.start)}${c.speaker ? ", " + c.speaker : ""}.` : c.page ? `Page ${c.page}.` : ""));
  body.replaceChildren(h("p.muted", {}, "Loading the source…"));
  let doc;
  try { doc = await loadDoc(c.document_id); } catch (e) { body.replaceChildren(h("p.error-box", {}, e.message)); return; }
  let range = c.char_start != null ? [c.char_start, c.char_end] : null;
  if (!range && c.segment_ids.length) {
    const segs = doc.segments.filter((s) => c.segment_ids.includes(s.id));
    if (segs.length) range = [Math.min(...segs.map((s) => s.char_start)), Math.max(...segs.map((s) => s.char_end))];
  }
  if (window.PageView) window.PageView.cite = c;  // page view hook (pageview.js)
  renderDoc(doc, range, c.page);
  if (window.MediaView) window.MediaView.show(doc, c, quoteBox);  // media hook (media.js): play from c.start
  title.focus();
}

async function openDocument(id, opener) {
  openViewer(opener);
  document.getElementById("viewer-quote").replaceChildren();
  document.getElementById("viewer-title").textContent = (docOf(id) || {}).filename || "Source";
  const doc = await loadDoc(id);
  if (window.PageView) window.PageView.cite = null;  // page view hook (pageview.js)
  renderDoc(doc, null, doc.kind === "pdf" || doc.kind === "docx" ? 1 : null);
  document.getElementById("viewer-title").focus();
}

// Paged sources show one page's text (as in the PDF); others show everything, scrolled to the quote.
function renderDoc(doc, range, page) {
  const body = document.getElementById("viewer-body");
  const nav = document.getElementById("viewer-nav");
  const paged = doc.segments.some((s) => s.page != null) && doc.kind !== "transcript";
  let segs = doc.segments;
  let shownPage = null;  // page view hook (pageview.js)
  if (paged) {
    const pages = doc.pages || Math.max(...doc.segments.map((s) => s.page || 1));
    const hit = range ? doc.segments.find((s) => s.char_start < range[1] && s.char_end > range[0]) : null;
    const current = (hit && hit.page) || page || 1;
    segs = doc.segments.filter((s) => s.page === current);
    shownPage = current;  // page view hook (pageview.js)
    const go = (p) => renderDoc(doc, range && hit && hit.page === p ? range : null, p);
    nav.replaceChildren(
      h("button.btn.small", { type: "button", disabled: current <= 1 ? true : null, "aria-label": "Previous page", onclick: () => go(current - 1) }, "‹"),
      h("span.small", { "aria-live": "polite" }, `Page ${current} of ${pages}`),
      h("button.btn.small", { type: "button", disabled: current >= pages ? true : null, "aria-label": "Next page", onclick: () => go(current + 1) }, "›"));
    nav.hidden = false;
    if (!range) range = null;
  } else nav.hidden = true;
  const frag = h("div.doc.doc-" + doc.kind, {}, segs.length ? segs.map((s) => segmentView(s, range, doc)) : h("p.muted", {}, "No text on this page."));
  body.replaceChildren(frag);
  if (window.PageView) window.PageView.render(doc, body, shownPage, S.report);  // page view hook (pageview.js)
  const mark = body.querySelector("mark");
  if (mark) mark.scrollIntoView({ block: "center" });
  else body.scrollTop = 0;
}

// ---------------------------------------------------------------------------------------------

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && document.getElementById("viewer").classList.contains("open") && !e.target.closest("form")) closeViewer();
});

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("viewer-close").addEventListener("click", closeViewer);
  try {
    await refreshStatus();
    // an SOP removed since the report was made: the page still works, with fewer labels
    S.sop = await api(`/v1/sops/${encodeURIComponent(S.status.sop)}`).catch((e) => { if (e.status === 404) return null; throw e; });
  } catch (e) {
    const box = document.getElementById("load-error");
    box.hidden = false;
    box.textContent = e.message;
    return;
  }
  document.getElementById("report-title").textContent = S.sop ? S.sop.name : S.status.sop;
  document.getElementById("report-meta").textContent = `${S.status.document_ids.length} source(s) · ${S.status.engine} engine`;
  if (S.status.state === "succeeded") {
    try { await loadReview(); } catch (e) { toast(e.message); }
    showPartial();
    openFromHash();
    return;
  }
  document.getElementById("progress").hidden = false;
  if (S.sop) sectionProgress();
  if (S.status.state === "failed") {
    setStep("parse");
    showFailure(S.status.error || "the report failed.");
    return;
  }
  follow();
});

// Links from elsewhere (the batch matrix) name an item, `#item-<item id>`, or one of its quotes,
// `#cite-<item id>-<n>` (n counts the item's citations from 0): once the review is on screen the page
// scrolls to the item and, for a quote, opens it in the source viewer as a click on its chip would.
function openFromHash() {
  const m = /^#(?:item-(.+)|cite-(.+)-(\d+))$/.exec(location.hash);
  const li = m && S.report ? document.getElementById(`item-${m[1] || m[2]}`) : null;
  if (!li) return;
  li.scrollIntoView({ block: "center" });
  const chipEl = m[2] !== undefined ? li.querySelectorAll(".cites .chip")[Number(m[3])] : null;
  if (chipEl) chipEl.click();
}
window.addEventListener("hashchange", openFromHash);
