// Triage of a long report (issue 16): search across the report and its sources, filters, keyboard
// review, bulk accept of a section with undo, and each section's reviewed/total count. It only reads
// and drives report.js (S, findings, support, setReview, patchItem, editItem, loadDoc, renderDoc…);
// report.js calls triageMount() after the review renders and triageRefresh() after an item changes.
"use strict";

const T = {
  filters: new Set(),   // active filters, combined with AND ("flagged" and "unreviewed": flagged items still to review)
  keep: new Set(),      // items changed since the filters last changed: kept in view so j/k do not lose their place
  hits: [],             // search matches: {el} in the report, then {doc, start, end, page} in the sources
  at: -1,               // the current match
  query: "",
  bulk: new Map(),      // section id -> ids accepted by its last bulk accept (for its undo)
  current: null,        // the item id keyboard review is on
  inReport: 0,          // how many of the hits are in the report (the rest are in the sources)
};

const FILTERS = [
  ["flagged", "Flagged", (s, i) => i.flags.length > 0],
  // any quote not found, or none cited (the summary's "unsupported" counts only items with no quote found)
  ["unsupported", "Unsupported", (s, i) => ["unsupported", "uncited", "partial"].includes(support(i))],
  ["unreviewed", "Unreviewed", (s, i) => i.review === "pending"],
  ["rejected", "Rejected", (s, i) => i.review === "rejected"],
  ["edited", "Edited", (s, i) => i.edited],
];

const KEYS = [
  ["j / k", "next / previous item"], ["n", "next unreviewed item"], ["a", "accept"], ["r", "reject"],
  ["u", "clear the review (back to unreviewed)"], ["e", "edit the item"], ["/", "search the report and sources"],
  ["Enter / Shift+Enter", "next / previous match (in the search box)"], ["?", "this help"], ["Esc", "close"],
];

function sectionOf(id) { return S.report.sections.find((s) => s.id === id); }
function itemOf(li) {
  const sec = sectionOf(li.closest(".rsec").dataset.section);
  return sec ? [sec, sec.items.find((i) => i.id === li.dataset.itemId)] : [null, null];
}
function itemEls() { return [...document.querySelectorAll("#review li.item")]; }
function visibleItems() { return itemEls().filter((li) => !li.hidden); }
function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

// ---------------------------------------------------------------------------------------------
// The toolbar: search and filters
// ---------------------------------------------------------------------------------------------

function toolbar() {
  const input = h("input#triage-q", { type: "search", placeholder: "Search the report and the sources…",
    autocomplete: "off", "aria-describedby": "triage-count", "aria-keyshortcuts": "/" });
  let timer = null;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => search(input.value), 180); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); step(e.shiftKey ? -1 : 1); }
    if (e.key === "Escape" && input.value) { e.preventDefault(); e.stopPropagation(); input.value = ""; search(""); }
  });
  const filters = h("div.filters", { role: "group", "aria-label": "Show only items that are (all chosen)" },
    h("span.muted.small", { "aria-hidden": "true" }, "Show only:"),
    FILTERS.map(([key, label]) => h("button.btn.small.filter", { type: "button", "aria-pressed": "false", dataset: { filter: key },
      onclick: () => toggleFilter(key) }, label, " ", h("span.fcount", {}, "0"))),
    h("button.btn.small.ghost#triage-clear", { type: "button", hidden: true, onclick: () => { T.filters.clear(); applyFilters(true); } },
      "Show all"),
    h("span#triage-shown.muted.small", { role: "status" }));
  return h("div.triage#triage", { role: "search", "aria-label": "Search and filter the report" },
    h("div.triage-search", {},
      h("label.sr-only", { for: "triage-q" }, "Search the report and the sources"), input,
      h("span#triage-count.small.muted", { "aria-live": "polite" }),
      h("button.btn.small.icon#triage-prev", { type: "button", "aria-label": "Previous match", disabled: true, onclick: () => step(-1) }, "↑"),
      h("button.btn.small.icon#triage-next", { type: "button", "aria-label": "Next match", disabled: true, onclick: () => step(1) }, "↓"),
      h("button.btn.small.ghost", { type: "button", "aria-haspopup": "dialog", "aria-label": "Keyboard shortcuts",
        "aria-keyshortcuts": "?", onclick: openHelp }, "⌨ ?")),
    filters);
}

function toggleFilter(key) {
  if (T.filters.has(key)) T.filters.delete(key); else T.filters.add(key);
  applyFilters(true);
}

// Hides the items that do not pass every chosen filter; `reset` forgets the items kept in view.
function applyFilters(reset = false) {
  if (reset) T.keep.clear();
  const active = FILTERS.filter(([k]) => T.filters.has(k));
  const counts = Object.fromEntries(FILTERS.map(([k]) => [k, 0]));
  let shown = 0, total = 0;
  for (const sec of S.report.sections) {
    const el = document.getElementById(`sec-${sec.id}`);
    if (!el) continue;
    let visible = 0;
    for (const item of sec.items) {
      const li = document.getElementById(`item-${item.id}`);
      const slot = isSlot(sec, item);
      if (!slot) { total += 1; for (const [k, , test] of FILTERS) if (test(sec, item)) counts[k] += 1; }
      const pass = !active.length || (!slot && active.every(([, , test]) => test(sec, item))) || T.keep.has(item.id);
      if (li) li.hidden = !pass;
      if (pass && !slot) { visible += 1; shown += 1; }
    }
    el.classList.toggle("filtered", active.length > 0);
    let note = el.querySelector(".filter-note");
    if (active.length && !visible) {
      if (!note) { note = h("p.filter-note.muted.small", {}, "No item in this section passes the filters."); el.querySelector(".rsec-head").after(note); }
    } else if (note) note.remove();
  }
  for (const b of document.querySelectorAll("#triage .filter")) {
    b.setAttribute("aria-pressed", String(T.filters.has(b.dataset.filter)));
    b.querySelector(".fcount").textContent = String(counts[b.dataset.filter]);
    b.setAttribute("aria-label", `${b.firstChild.textContent} (${counts[b.dataset.filter]})`);
  }
  document.getElementById("triage-clear").hidden = !active.length;
  document.getElementById("triage-shown").textContent = active.length ? `Showing ${shown} of ${plural(total, "item")}` : "";
  if (T.query) search(T.query, true);
}

// ---------------------------------------------------------------------------------------------
// Search: highlighted in the report, listed in the sources; Enter / ↓ walks through both
// ---------------------------------------------------------------------------------------------

function clearMarks() {
  for (const m of document.querySelectorAll("#review mark.find")) {
    const parent = m.parentNode;
    m.replaceWith(document.createTextNode(m.textContent));
    parent.normalize();
  }
}

function markIn(root, needle) {
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement.closest("button, .cites, .support-banner, .tags, form") ? NodeFilter.FILTER_REJECT
      : n.nodeValue.toLowerCase().includes(needle) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP),
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const text = node.nodeValue;
    const low = text.toLowerCase();
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (let i = low.indexOf(needle); i >= 0; i = low.indexOf(needle, i + needle.length)) {
      frag.append(text.slice(pos, i));
      const m = h("mark.find", {}, text.slice(i, i + needle.length));
      frag.append(m);
      out.push({ el: m });
      pos = i + needle.length;
    }
    frag.append(text.slice(pos));
    node.replaceWith(frag);
  }
  return out;
}

async function sourceHits(needle) {
  const out = [];
  for (const ref of S.report.documents) {
    let doc;
    try { doc = await loadDoc(ref.id); } catch (e) { continue; }
    for (const seg of doc.segments) {
      const low = seg.text.toLowerCase();
      for (let i = low.indexOf(needle); i >= 0 && out.length < 2000; i = low.indexOf(needle, i + needle.length)) {
        out.push({ doc, seg, start: seg.char_start + i, end: seg.char_start + i + needle.length });
      }
    }
  }
  return out;
}

let searchSeq = 0;
async function search(q, keep = false) {
  const seq = ++searchSeq;
  const needle = q.trim().toLowerCase();
  const before = keep ? T.at : -1;
  T.query = needle;
  clearMarks();
  T.hits = [];
  T.at = -1;
  const count = document.getElementById("triage-count");
  if (needle.length < 2) { count.textContent = needle ? "Type at least 2 characters" : ""; navButtons(); return; }
  const inReport = visibleItems().flatMap((li) => markIn(li.querySelector(".item-body"), needle))
    .concat([...document.querySelectorAll("#review .rsec > .passages")].flatMap((p) => (p.closest(".rsec.filtered") ? [] : markIn(p, needle))));
  count.textContent = `${inReport.length} in the report · searching the sources…`;
  const inSources = await sourceHits(needle);
  if (seq !== searchSeq) return;  // a newer search started meanwhile
  T.hits = [...inReport, ...inSources];
  T.inReport = inReport.length;
  T.at = keep && before < T.hits.length ? before : -1;
  if (T.at >= 0 && T.hits[T.at].el) T.hits[T.at].el.classList.add("current");  // marks were redrawn: keep the place
  sayCount();
  navButtons();
}

function sayCount() {
  const src = T.hits.length - T.inReport;
  const where = `${T.inReport} in the report · ${src} in the sources`;
  const count = document.getElementById("triage-count");
  if (!T.hits.length) { count.textContent = "No matches"; return; }
  count.textContent = T.at >= 0 ? `${T.at + 1} of ${T.hits.length} (${where})` : where;
}

function navButtons() {
  const none = !T.hits.length;
  document.getElementById("triage-prev").disabled = none;
  document.getElementById("triage-next").disabled = none;
}

function step(dir) {
  if (!T.hits.length) return;
  T.at = (T.at + dir + T.hits.length) % T.hits.length;
  for (const m of document.querySelectorAll("#review mark.find.current")) m.classList.remove("current");
  const hit = T.hits[T.at];
  if (hit.el) {
    hit.el.classList.add("current");
    hit.el.scrollIntoView({ block: "center" });
  } else showSourceHit(hit);
  sayCount();
}

// A match in a source opens the viewer on it, as a citation would, without taking focus from the search box.
function showSourceHit(hit) {
  openViewer(null);
  document.getElementById("viewer-title").textContent = hit.doc.filename;
  const n = T.hits.slice(T.inReport).filter((x) => x.doc === hit.doc);
  document.getElementById("viewer-quote").replaceChildren(h("p.match.small", {},
    `Search “${T.query}”: match ${n.indexOf(hit) + 1} of ${n.length} in this source`,
    hit.seg.start != null ? ` · at ${fmtClock(hit.seg.start)}${hit.seg.speaker ? ", " + hit.seg.speaker : ""}` : "",
    hit.seg.page ? ` · page ${hit.seg.page}` : "", "."));
  renderDoc(hit.doc, [hit.start, hit.end], hit.seg.page);
}

// ---------------------------------------------------------------------------------------------
// Per-section progress and bulk accept
// ---------------------------------------------------------------------------------------------

// What a bulk accept takes: the unreviewed findings whose quotes were found (unsupported ones are left to read).
function bulkable(sec) {
  return findings(sec).filter((i) => i.review === "pending" && !["unsupported", "uncited", "partial"].includes(support(i)));
}

function sectionTools(sec) {
  const el = document.getElementById(`sec-${sec.id}`);
  if (!el || !findings(sec).length) return;
  const head = el.querySelector(".rsec-head");
  let box = head.querySelector(".sec-tools");
  if (!box) {
    box = h("div.sec-tools", {});
    head.append(box);
    head.after(h("div.bulk-slot", { "aria-live": "polite" }));
  }
  const all = findings(sec);
  const done = all.filter((i) => i.review !== "pending").length;
  const todo = bulkable(sec).length;
  box.replaceChildren(
    h("span.sec-progress" + (done === all.length ? ".complete" : ""), { title: `${done} of ${all.length} findings reviewed` },
      h("span.sp-bar", { "aria-hidden": "true" }, h("span", { style: null, dataset: { pct: String(Math.round((100 * done) / all.length)) } })),
      `${done}/${all.length} reviewed`),
    h("button.btn.small.bulk", { type: "button", hidden: todo ? null : true,
      "aria-label": `Accept all ${todo} unreviewed supported items in ${sec.title}`, onclick: () => confirmBulk(sec) },
    `✓ Accept ${todo}`));
  // the width set from script: the page's CSP allows no inline style attribute
  const bar = box.querySelector(".sp-bar > span");
  bar.style.width = `${bar.dataset.pct}%`;
}

function confirmBulk(sec) {
  const slot = document.querySelector(`#sec-${CSS.escape(sec.id)} .bulk-slot`);
  const ids = bulkable(sec).map((i) => i.id);
  const left = findings(sec).filter((i) => i.review === "pending").length - ids.length;
  const yes = h("button.btn.primary.small", { type: "button", onclick: () => bulkAccept(sec, ids) }, `Accept ${ids.length}`);
  slot.replaceChildren(h("div.bulk-confirm", { role: "group", "aria-label": `Confirm accepting ${sec.title}` },
    h("span", {}, `Accept ${plural(ids.length, "unreviewed item")} in ${sec.title}?`,
      left ? ` ${plural(left, "unsupported item")} ${left === 1 ? "stays" : "stay"} unreviewed for you to check.` : "", " You can undo this."),
    yes, h("button.btn.small", { type: "button", onclick: () => { slot.replaceChildren(); focusBulk(sec); } }, "Cancel")));
  yes.focus();
}

function focusBulk(sec) {
  const b = document.querySelector(`#sec-${CSS.escape(sec.id)} .sec-tools .bulk`);
  if (b) b.focus();
}

// One PATCH per item, in turn (the API's own route, so every download and the history see them); a failure
// stops and says how far it got, and the ones done can still be undone together.
async function setMany(sec, ids, review, verb) {
  const slot = document.querySelector(`#sec-${CSS.escape(sec.id)} .bulk-slot`);
  const done = [];
  for (const id of ids) {
    const item = sec.items.find((i) => i.id === id);
    if (!item) continue;
    slot.replaceChildren(h("p.small.muted", {}, `${verb} ${done.length + 1} of ${ids.length}…`));
    try { await patchItem(sec, item, { review }); } catch (e) {
      toast(`Stopped after ${done.length} of ${ids.length}: ${e.message}`);
      break;
    }
    T.keep.add(id);
    done.push(id);
  }
  return done;
}

async function bulkAccept(sec, ids) {
  const done = await setMany(sec, ids, "accepted", "Accepting");
  T.bulk.set(sec.id, done);
  const slot = document.querySelector(`#sec-${CSS.escape(sec.id)} .bulk-slot`);
  const undo = h("button.btn.small", { type: "button", onclick: () => undoBulk(sec) }, "Undo");
  slot.replaceChildren(h("p.bulk-done.small", {}, `Accepted ${plural(done.length, "item")} in ${sec.title}. `, undo));
  announce(`Accepted ${plural(done.length, "item")} in ${sec.title}.`);
  undo.focus();
}

async function undoBulk(sec) {
  const ids = (T.bulk.get(sec.id) || []).filter((id) => (sec.items.find((i) => i.id === id) || {}).review === "accepted");
  const done = await setMany(sec, ids, "pending", "Undoing");
  T.bulk.delete(sec.id);
  document.querySelector(`#sec-${CSS.escape(sec.id)} .bulk-slot`).replaceChildren(
    h("p.bulk-done.small", {}, `Undone: ${plural(done.length, "item")} back to unreviewed.`));
  announce(`Undone: ${plural(done.length, "item")} back to unreviewed.`);
  focusBulk(sec);
}

// ---------------------------------------------------------------------------------------------
// Keyboard review
// ---------------------------------------------------------------------------------------------

function currentLi() {
  const fromFocus = document.activeElement && document.activeElement.closest && document.activeElement.closest("#review li.item");
  if (fromFocus && !fromFocus.hidden) return fromFocus;
  const li = T.current && document.getElementById(`item-${T.current}`);
  return li && !li.hidden ? li : null;
}

function moveTo(li) {
  if (!li) return;
  for (const x of document.querySelectorAll("#review li.item.kb-current")) x.classList.remove("kb-current");
  li.classList.add("kb-current");
  li.tabIndex = -1;
  T.current = li.dataset.itemId;
  li.focus({ preventScroll: true });
  li.scrollIntoView({ block: "nearest" });
  const rect = li.getBoundingClientRect();
  const top = document.getElementById("triage").getBoundingClientRect().bottom + 48;  // under the sticky bars
  if (rect.top < top) window.scrollBy(0, rect.top - top);
}

function move(dir, pred = () => true) {
  const list = visibleItems();
  if (!list.length) return;
  const cur = currentLi();
  const i = cur ? list.indexOf(cur) : -1;
  const order = dir > 0 ? list.slice(i + 1) : list.slice(0, Math.max(i, 0)).reverse();
  const next = order.find(pred);
  if (next) moveTo(next);
  else announce(dir > 0 ? "No more items below." : "No more items above.");
}

function isTyping(t) {
  return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || t.closest("form, dialog"));
}

function onKey(e) {
  if (!S.report || document.getElementById("review").hidden || e.defaultPrevented) return;
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
  const key = e.key;
  const act = {
    j: () => move(1), k: () => move(-1),
    n: () => move(1, (li) => { const [, it] = itemOf(li); return it && it.review === "pending"; }),
    "/": () => { const q = document.getElementById("triage-q"); q.focus(); q.select(); },
    "?": openHelp,
  }[key];
  if (act) { e.preventDefault(); act(); return; }
  if (!["a", "r", "u", "e"].includes(key)) return;
  const li = currentLi();
  if (!li) { announce("Press j to choose an item first."); return; }
  const [sec, item] = itemOf(li);
  if (!item) return;
  e.preventDefault();
  T.current = item.id;
  if (key === "e") { editItem(sec, item); return; }
  const review = { a: "accepted", r: "rejected", u: "pending" }[key];
  if (item.review === review) { announce(`Already ${review === "pending" ? "unreviewed" : review}.`); return; }
  T.keep.add(item.id);
  setReview(sec, item, review);
}

function openHelp() {
  let dlg = document.getElementById("triage-help");
  if (!dlg) {
    dlg = h("dialog#triage-help.help", { "aria-labelledby": "triage-help-title" },
      h("h2#triage-help-title", {}, "Keyboard review"),
      h("table.keys", {}, h("tbody", {}, KEYS.map(([k, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, k)), h("td", {}, what))))),
      h("p.small.muted", {}, "Keys act on the highlighted item and do nothing while you type in a box."),
      h("form", { method: "dialog" }, h("button.btn.primary.small", { type: "submit" }, "Close")));
    document.body.append(dlg);
  }
  if (!dlg.open) dlg.showModal();
}

// ---------------------------------------------------------------------------------------------
// Hooks called by report.js
// ---------------------------------------------------------------------------------------------

function triageMount() {
  const review = document.getElementById("review");
  const summary = review.querySelector(".summary");
  const bar = toolbar();
  if (summary) summary.after(bar); else review.prepend(bar);
  for (const sec of S.report.sections) sectionTools(sec);
  applyFilters(true);
  // the section heads stick under the toolbar, which is sticky only on wide screens (app.css)
  const sync = () => document.documentElement.style.setProperty("--triage-h",
    `${getComputedStyle(bar).position === "sticky" ? bar.offsetHeight : 0}px`);
  new ResizeObserver(sync).observe(bar);
  window.addEventListener("resize", sync);
  sync();
}

function triageRefresh(section, item) {
  if (!document.getElementById("triage")) return;
  sectionTools(section);
  applyFilters();
  if (T.current === item.id) {
    const li = document.getElementById(`item-${item.id}`);
    if (li) { li.classList.add("kb-current"); li.tabIndex = -1; }
  }
}

document.addEventListener("keydown", onKey);
