// The recording of a transcript: when a transcript citation opens and its document has a `media_url`
// (GET /v1/documents/{id}), the viewer shows an <audio> (or <video> for video files) under the quote
// with a "Play from 12:04" button that seeks to the citation's start and plays.
// report.js calls MediaView.show after drawing a citation; nothing here changes report.js state.
// The URL is the customer's (http/https only, checked by the API); the page CSP's media-src allows it.
"use strict";

const MediaView = {
  el: null,  // one player per recording, kept so reopening a citation of the same call does not reload it
  url: null,
  VIDEO: /\.(mp4|m4v|mov|webm|ogv|mkv)$/i,

  isVideo(url) {
    try { return this.VIDEO.test(new URL(url, location.href).pathname); } catch (e) { return false; }
  },

  player(url, doc) {
    if (this.el && this.url === url) return this.el;
    if (this.el) this.el.pause();
    const tag = this.isVideo(url) ? "video" : "audio";
    this.el = h(tag, { controls: true, preload: "metadata", src: url, "aria-label": `Recording of ${doc.filename}` });
    this.url = url;
    return this.el;
  },

  // Seek once the length is known (a seek before that can be dropped), then play; a refused play()
  // (autoplay rules, a file the browser cannot decode) leaves the player at the time, paused, and says so.
  playFrom(el, t, status) {
    const go = () => {
      el.currentTime = t;
      // a host that ignores HTTP Range requests gives a recording the browser cannot seek in
      el.addEventListener("seeked", () => {
        if (Math.abs(el.currentTime - t) > 1) status.textContent = `The recording's server does not allow jumping to ${fmtClock(t)} (no HTTP range requests); it plays from ${fmtClock(el.currentTime)}.`;
      }, { once: true });
      const p = el.play();
      if (p && p.catch) p.catch(() => { status.textContent = `Ready at ${fmtClock(t)}: press play on the player.`; });
    };
    if (el.readyState >= 1) go();
    else el.addEventListener("loadedmetadata", go, { once: true });
  },

  // Show the player for citation `c` of document `doc` in `box` (the quote area of the viewer).
  show(doc, c, box) {
    if (!doc || doc.kind !== "transcript" || !doc.media_url || !box) return;
    const el = this.player(doc.media_url, doc);
    const status = h("p.small.media-status", { role: "status" });
    el.onerror = () => { status.textContent = "The recording could not be loaded from its address; the transcript is below."; };
    const start = c && c.start != null ? c.start : null;
    const parts = [el];
    if (start !== null) {
      parts.push(h("button.btn.small.media-play", {
        type: "button", onclick: () => this.playFrom(el, start, status),
        "aria-label": `Play from ${fmtClock(start)}` + (c.speaker ? `, ${c.speaker} speaking` : ""),
      }, `Play from ${fmtClock(start)}`));
    }
    box.append(h("div.media-player", { role: "group", "aria-label": "Recording" }, ...parts, status));
  },

  stop() { if (this.el) this.el.pause(); },
};
window.MediaView = MediaView;

// Closing the viewer (✕ or Escape) stops the recording: a hidden panel should not keep talking.
document.addEventListener("DOMContentLoaded", () => {
  const viewer = document.getElementById("viewer");
  if (viewer) new MutationObserver(() => { if (!viewer.classList.contains("open")) MediaView.stop(); })
    .observe(viewer, { attributes: true, attributeFilter: ["class"] });
});
