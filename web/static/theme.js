// Light or dark: the system's choice (prefers-color-scheme, in app.css) unless the top bar's toggle chose,
// remembered in localStorage. Loaded without `defer` in <head> so the page never flashes the other theme.
"use strict";

const THEME_KEY = "reportgen-theme";

function storedTheme() {
  try { return localStorage.getItem(THEME_KEY); } catch (e) { return null; }  // storage off: follow the system
}

function effectiveTheme() {
  const t = document.documentElement.dataset.theme;
  if (t === "dark" || t === "light") return t;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  try { localStorage.setItem(THEME_KEY, theme); } catch (e) { /* not remembered, still applied */ }
  syncThemeToggle();
}

function syncThemeToggle() {
  const b = document.getElementById("theme-toggle");
  if (b) b.setAttribute("aria-pressed", String(effectiveTheme() === "dark"));
}

(function applyStoredTheme() {
  const t = storedTheme();
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
})();

document.addEventListener("DOMContentLoaded", () => {
  const b = document.getElementById("theme-toggle");
  if (!b) return;
  b.hidden = false;
  syncThemeToggle();
  b.addEventListener("click", () => setTheme(effectiveTheme() === "dark" ? "light" : "dark"));
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", syncThemeToggle);
});
