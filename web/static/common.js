// Shared helpers: calls to the /v1 API with readable errors, small DOM builders, formatting.
"use strict";

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Every /v1 error is {"error": {"code", "message"}}; anything else (a proxy page, a dropped
// connection) becomes a sentence a user can act on.
async function api(path, opts = {}) {
  let resp;
  try {
    resp = await fetch(path, { credentials: "same-origin", ...opts });
  } catch (e) {
    throw new ApiError(0, "network", "cannot reach the reportgen server; check that it is running and try again.");
  }
  const type = resp.headers.get("content-type") || "";
  const body = type.includes("json") ? await resp.json().catch(() => null) : null;
  if (!resp.ok) {
    const err = body && body.error ? body.error : { code: "http_" + resp.status, message: `the server answered ${resp.status} ${resp.statusText}.` };
    if (resp.status === 401) showSignIn(err.message);
    throw new ApiError(resp.status, err.code, err.message);
  }
  return body;
}

function jsonOpts(method, data) {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) };
}

function showSignIn(message) {
  const box = document.getElementById("signin");
  if (!box || !box.hidden) return;
  document.getElementById("signin-next").value = location.pathname + location.search.replace(/[?&]signin=invalid/, "");
  if (message) document.getElementById("signin-msg").innerHTML =
    "<strong>Sign in.</strong> " + esc(message);
  box.hidden = false;
  document.getElementById("signin-key").focus();
}

// h("div#id.a.b", {attrs}, children...): enough DOM building for small pages, escaping by construction.
function h(tag, attrs, ...children) {
  const id = tag.match(/#([\w-]+)/);
  const [name, ...classes] = (id ? tag.replace(id[0], "") : tag).split(".");
  const node = document.createElement(name || "div");
  if (id) node.id = id[1];
  if (classes.length) node.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// TODO(lead): one clock rule. Once reportgen/clock.py (`clock(seconds)`) lands, the API should send
// clock strings beside the seconds (citations in /result, segments in /v1/documents/{id}, a
// transcript's duration) and the page show those; until then this mirrors it ("12:04", "1:02:03").
function fmtClock(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  const mb = n / 1024 / 1024;
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

function fmtWhen(iso) {
  const d = new Date(iso);
  const mins = (Date.now() - d.getTime()) / 60000;
  if (mins < 1) return "just now";
  if (mins < 60) return `${Math.round(mins)} min ago`;
  if (mins < 24 * 60) return `${Math.round(mins / 60)} h ago`;
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

function stateBadge(state) {
  const labels = { queued: "Queued", running: "Running", succeeded: "Ready", failed: "Failed", partial: "Partly done" };
  return h("span.badge.state-" + state, {}, labels[state] || state);
}

function announce(text) {
  const live = document.getElementById("announce");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 30);
}

let toastTimer = null;
function toast(text, kind = "error") {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.className = "toast " + kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 7000);
}

// The engine badge in the top bar: which engine and model a new report would use.
let engineInfoPromise = null;
function engineInfo() {
  if (!engineInfoPromise) engineInfoPromise = api("/v1/info");
  return engineInfoPromise;
}

document.addEventListener("DOMContentLoaded", () => {
  if (location.search.includes("signin=invalid")) {
    showSignIn("That API key is not valid (unknown or revoked). Paste a key from `reportgen keys create`.");
  }
  engineInfo().then((info) => {
    const box = document.getElementById("engine-info");
    const label = info.default === "llm" ? `LLM · ${info.model}` : "Offline engine (extractive)";
    box.append(h("span.engine-dot." + info.default, { "aria-hidden": "true" }),
      h("span", { title: info.endpoint ? `endpoint: ${info.endpoint}` : "no LLM configured: the local engine quotes the sources" },
        "Engine: ", h("strong", {}, label)),
      // whose reports these are: keyless work belongs to tenant `local`, a key's to its own tenant
      info.tenant ? h("span.tenant", { title: "Reports and documents here belong to this tenant" },
        " · Tenant: ", h("strong", {}, info.tenant)) : null);
  }).catch(() => {});
});
