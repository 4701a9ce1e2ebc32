// The page view: a PDF citation shown on the real page (rendered by the server, GET
// /v1/documents/{id}/pages/{n}.png) with the quote's boxes drawn over it, above the extracted
// text (kept for search and copy). Boxes are in PDF points from the page's top left with the
// page size (Citation.boxes), so they are placed in percent of the image and follow any zoom.
// report.js calls PageView.render after drawing a paged source; nothing here changes report.js state.
"use strict";

const PageView = {
  cite: null,  // the citation being shown (set by report.js when a chip is clicked)
  zoom: 1,
  SCALE: 2,  // image resolution asked of the server (144 dpi): sharp when zoomed, one cache entry per page
  ZOOMS: [0.75, 1, 1.5, 2, 3],

  // Every located citation and passage of the report that has boxes in document `docId`.
  // A quote cited twice (a finding and a passage to read) is one place on the page: listed once.
  citationsOf(report, docId) {
    if (!report) return [];
    const out = new Map();
    const add = (c) => {
      if (c.document_id === docId && c.boxes && c.boxes.length && !out.has(this.key(c))) out.set(this.key(c), c);
    };
    for (const s of report.sections) {
      for (const i of s.items) i.citations.forEach(add);
      (s.passages || []).forEach(add);
    }
    return [...out.values()];
  },

  key(c) { return `${c.document_id}:${c.char_start}:${c.char_end}`; },

  onPage(c, page) { return (c.boxes || []).some((b) => b.page === page); },

  // Draw the page view at the top of `body` for page `page` of `doc` (a PDF); `report` gives the other citations.
  render(doc, body, page, report) {
    if (!doc || doc.kind !== "pdf" || !page) return;
    const others = this.citationsOf(report, doc.id).filter((c) => this.onPage(c, page));
    const current = this.cite && this.cite.document_id === doc.id && this.onPage(this.cite, page) ? this.cite : null;
    const currentKey = current ? this.key(current) : null;
    const frame = h("div.pv-frame", { dataset: { page: String(page) } });
    const img = h("img.pv-img", {
      src: `/v1/documents/${encodeURIComponent(doc.id)}/pages/${page}.png?scale=${this.SCALE}`,
      alt: `Page ${page} of ${doc.filename}` + (current ? `, the quote boxed: “${current.quote}”` : ""),
    });
    const stage = h("div.pv-stage", {}, img);
    stage.style.width = `${this.zoom * 100}%`;
    img.addEventListener("error", () => {
      frame.replaceChildren(h("p.muted.small", {}, "The page image is not available for this source; its text is below."));
    });
    const drawBoxes = (c, cls) => {
      for (const b of c.boxes.filter((x) => x.page === page)) {
        const box = h("div.pv-box" + cls, { "aria-hidden": "true", title: c.quote });
        box.style.left = `${(b.x0 / b.w) * 100}%`;
        box.style.top = `${(b.y0 / b.h) * 100}%`;
        box.style.width = `${((b.x1 - b.x0) / b.w) * 100}%`;
        box.style.height = `${((b.y1 - b.y0) / b.h) * 100}%`;
        stage.append(box);
      }
    };
    for (const c of others) if (this.key(c) !== currentKey) drawBoxes(c, ".other");
    if (current) drawBoxes(current, ".current");
    const zoomBy = (step) => {
      const k = Math.max(0, Math.min(this.ZOOMS.length - 1, this.ZOOMS.indexOf(this.zoom) + step));
      this.zoom = this.ZOOMS[k];
      stage.style.width = `${this.zoom * 100}%`;
      label.textContent = `${Math.round(this.zoom * 100)}%`;
    };
    const label = h("span.small.pv-zoom", { "aria-live": "polite" }, `${Math.round(this.zoom * 100)}%`);
    const next = () => {
      if (!others.length) return;
      const k = others.findIndex((c) => this.key(c) === currentKey);
      this.cite = others[(k + 1) % others.length];
      // report.js's openCitation shows it as a chip would: quote, match, text mark and this view again
      if (typeof openCitation === "function") { openCitation(this.cite, null); return; }
      const quote = document.getElementById("viewer-quote");
      if (quote) quote.replaceChildren(h("blockquote", {}, this.cite.quote));
      frame.replaceWith(this.render(doc, null, page, report));
    };
    const bar = h("div.pv-bar", { role: "toolbar", "aria-label": "Page view" },
      h("button.btn.small", { type: "button", "aria-label": "Zoom out", onclick: () => zoomBy(-1) }, "−"), label,
      h("button.btn.small", { type: "button", "aria-label": "Zoom in", onclick: () => zoomBy(1) }, "+"),
      h("button.btn.small.pv-next", { type: "button", disabled: others.length > (current ? 1 : 0) ? null : true,
        onclick: next }, `Next citation on this page (${others.length})`));
    frame.append(bar, h("div.pv-scroll", {}, stage));
    if (!current && this.cite && this.cite.document_id === doc.id && !(this.cite.boxes || []).length) {
      frame.append(h("p.muted.small", {}, "This quote has no box on the page (a scanned page, or a quote the page layout splits); it is marked in the text below."));
    }
    if (body) {
      body.prepend(frame);
      const first = stage.querySelector(".pv-box.current");
      const scroller = frame.querySelector(".pv-scroll");
      img.addEventListener("load", () => {
        body.scrollTop = 0;  // the page first; report.js scrolled the text's mark into view below it
        if (first && scroller) scroller.scrollTop = Math.max(0, first.offsetTop - scroller.clientHeight / 3);
        frame.dataset.ready = "1";
      });
    }
    return frame;
  },
};

window.PageView = PageView;

// The evidence pack download (GET /v1/reports/{id}.pdf?evidence=1) beside the others, with the number of
// source pages it appends, counted as reportgen/render/evidence.py counts them (kept items' PDF citations).
// It follows the download buttons: report.js rewrites their links on every revision, which re-counts.
const EVIDENCE_MAX_PAGES = 150;  // reportgen.render.evidence.MAX_PAGES: above it the server refuses (413)

PageView.evidencePages = function (report) {
  const pdfs = new Set(report.documents.filter((d) => d.kind === "pdf").map((d) => d.id));
  const pages = new Set();
  for (const s of report.sections) {
    for (const i of s.items) {
      if (i.review === "rejected") continue;
      for (const c of i.citations) {
        if (c.status === "unsupported" || !pdfs.has(c.document_id)) continue;
        const on = (c.boxes || []).length ? c.boxes.map((b) => b.page) : c.page ? [c.page] : [];
        for (const p of on) pages.add(`${c.document_id}:${p}`);
      }
    }
  }
  return pages.size;
};

PageView.syncEvidence = function () {
  const box = document.getElementById("downloads");
  if (!box || box.hidden || typeof S === "undefined" || !S.report) return;
  const n = this.evidencePages(S.report);
  let a = box.querySelector("a.pv-evidence");
  if (!n) { if (a) a.remove(); return; }
  const href = `/v1/reports/${encodeURIComponent(S.report.id)}.pdf?evidence=1&rev=${S.rev}`;
  const over = n > EVIDENCE_MAX_PAGES;
  const text = over ? `Evidence: ${n} pages (over ${EVIDENCE_MAX_PAGES})` : `PDF + evidence (${n} page${n === 1 ? "" : "s"})`;
  if (!a) {
    a = h("a.btn.pv-evidence", { download: true,
      title: "The PDF followed by the cited pages of the source PDFs, each quote highlighted" });
    a.addEventListener("click", (e) => { if (a.getAttribute("aria-disabled") === "true") e.preventDefault(); });
    box.append(a);
  }
  if (a.getAttribute("href") !== href) a.setAttribute("href", href);
  if (a.textContent !== text) a.textContent = text;
  if ((a.getAttribute("aria-disabled") === "true") !== over) a.setAttribute("aria-disabled", over ? "true" : "false");
};

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("downloads");
  if (box) new MutationObserver(() => PageView.syncEvidence()).observe(box, { attributes: true, subtree: true });
});
