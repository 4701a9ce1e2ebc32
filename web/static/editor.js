// Inline editing of a report item: one control per field according to the SOP (enum, rating, person,
// list, amount, date, text), read back into a PATCH of only the changed fields. Split from report.js,
// whose globals (S, specOf, criterionOf, patchItem, replaceItem…) it uses.
"use strict";

function editorFor(section, item, name, value, uid) {
  const spec = specOf(section.id);
  const fs = (spec && spec.fields && spec.fields[name]) || {};
  const id = `${uid}-${name}`;
  const label = h("label", { for: id }, humanize(name === "text" ? "text" : name));
  const wrap = (input, hint) => h("div.edit-field" + (input.tagName === "TEXTAREA" || name === Object.keys(item.fields)[0] ? ".wide" : ""), {},
    label, input, hint ? h("p.hint", {}, hint) : null);
  if (section.kind === "scorecard" && name === "rating") {
    const crit = criterionOf(spec, item);
    const bands = crit ? crit.rubric : [];
    return wrap(h("select", { id, dataset: { field: name, kind: "rating" } },
      h("option", { value: "", selected: value == null ? true : null }, "Not rated"),
      bands.map((b) => h("option", { value: String(b.value), selected: value === b.value ? true : null, title: b.description },
        `${b.value} · ${b.label}`))));
  }
  if (section.kind === "scorecard" && ["criterion", "name", "band"].includes(name)) return null;
  const type = fs.type || (typeof value === "boolean" ? "boolean" : Array.isArray(value) ? "list" : "text");
  if (type === "enum" && fs.values) {
    return wrap(h("select", { id, dataset: { field: name, kind: "enum" } },
      fs.required === false ? h("option", { value: "" }, "—") : null,
      fs.values.map((x) => h("option", { value: x, selected: value === x ? true : null }, x))));
  }
  if (type === "rating" && fs.rubric) {
    return wrap(h("select", { id, dataset: { field: name, kind: "rating" } },
      h("option", { value: "" }, "Not rated"),
      fs.rubric.map((b) => h("option", { value: String(b.value), selected: value === b.value ? true : null }, `${b.value} · ${b.label}`))));
  }
  if (type === "boolean") return wrap(h("input", { id, type: "checkbox", checked: value ? true : null, dataset: { field: name, kind: "boolean" } }));
  if (type === "list") return wrap(h("textarea", { id, rows: 3, dataset: { field: name, kind: "list" } }, (value || []).join("\n")), "One per line.");
  if ((type === "money" || type === "number") && value && typeof value === "object") {
    return wrap(h("input", { id, type: "text", value: value.text || "", dataset: { field: name, kind: "amount" } }), "As written, e.g. $12.5M in FY2024.");
  }
  if (type === "date") return wrap(h("input", { id, type: "text", value: value || "", dataset: { field: name, kind: "text" }, placeholder: "YYYY-MM-DD" }), "YYYY-MM-DD, or the phrase as said.");
  if (type === "person") {
    const people = [...new Set(S.report.documents.flatMap((d) => d.speakers))];
    const box = wrap(h("input", { id, type: "text", value: value || "", list: `${uid}-people`, dataset: { field: name, kind: "text" } }));
    box.append(h("datalist", { id: `${uid}-people` }, people.map((p) => h("option", { value: p }))));
    return box;
  }
  const long = String(value || "").length > 70 || name === "text" || name === "rationale";
  return wrap(long ? h("textarea", { id, rows: Math.min(6, 2 + Math.floor(String(value || "").length / 90)), dataset: { field: name, kind: "text" } }, value || "")
    : h("input", { id, type: "text", value: value == null ? "" : String(value), dataset: { field: name, kind: "text" } }));
}

function readEditor(form, section, item) {
  const out = {};
  for (const el of form.querySelectorAll("[data-field]")) {
    const name = el.dataset.field;
    const old = item.fields[name];
    let v;
    switch (el.dataset.kind) {
      case "boolean": v = el.checked; break;
      case "list": v = el.value.split("\n").map((x) => x.trim()).filter(Boolean); break;
      case "rating": v = el.value === "" ? null : parseInt(el.value, 10); break;
      case "enum": v = el.value === "" ? null : el.value; break;
      case "amount": v = { ...(old || {}), text: el.value.trim() }; break;
      default: v = el.value.trim() === "" && (old === null || old === undefined) ? old : el.value.trim();
    }
    if (JSON.stringify(v) !== JSON.stringify(old)) out[name] = v;
  }
  if (section.kind === "scorecard" && "rating" in out) {
    const crit = criterionOf(specOf(section.id), item);
    const band = crit && out.rating != null ? crit.rubric.find((b) => b.value === out.rating) : null;
    if ("band" in item.fields) out.band = band ? band.label : null;
  }
  return out;
}

function editItem(section, item) {
  const li = document.getElementById(`item-${item.id}`);
  const uid = `ed-${item.id}`;
  const fields = Object.entries(item.fields).map(([n, v]) => editorFor(section, item, n, v, uid)).filter(Boolean);
  const err = h("p.ferr.wide", { role: "alert", hidden: true });
  const form = h("form.editor", { "aria-label": "Edit this item" }, fields, err,
    h("div.btn-row.wide", {},
      h("button.btn.primary.small", { type: "submit" }, "Save"),
      h("button.btn.small", { type: "button", onclick: () => { replaceItem(section, item); focusItem(item, ".edit"); } }, "Cancel"),
      h("span.hint", {}, "The quotes stay attached; every download uses your text.")));
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { replaceItem(section, item); focusItem(item, ".edit"); } });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const changed = readEditor(form, section, item);
    if (!Object.keys(changed).length) { replaceItem(section, item); focusItem(item, ".edit"); return; }
    try {
      await patchItem(section, item, { fields: changed });
      announce("Saved. The edit will appear in every download.");
      focusItem(item, ".edit");
    } catch (ex) { err.hidden = false; err.textContent = ex.message; }
  });
  li.querySelector(".item-body .fields").replaceWith(form);
  li.querySelector(".item-actions .btn-row").hidden = true;
  const first = form.querySelector("textarea, input, select");
  if (first) first.focus();
}

function focusItem(item, sel) {
  const b = document.querySelector(`#item-${CSS.escape(item.id)} ${sel}`);
  if (b) b.focus();
}
