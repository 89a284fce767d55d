// A small modal form: labelled fields, a primary button, the server's refusal shown inside
// the form (a 409 names the allowed transitions, a 422 the bad field) so nothing typed is lost.

import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * fields: [{name, labelKey, kind: "text"|"textarea"|"select"|"number"|"datetime"|"checks"|"static",
 *           value, options: [[value, label]], required, step, min, max, hint}]
 * onSubmit(values) -> Promise; a thrown error is shown and the dialog stays open.
 * `extra`: elements placed above the buttons (e.g. "pick on map").
 */
export function openDialog({ titleKey, titleParams = {}, fields, submitKey, onSubmit, extra = [], className = "" }) {
  document.querySelector("dialog.case-dialog")?.remove();
  const error = h("p.error", { role: "alert" });
  const inputs = new Map();
  const rows = fields.map((f) => {
    const input = field(f);
    inputs.set(f.name, input);
    return h("label.field", { dataset: { field: f.name } }, h("span", {}, t(f.labelKey)), input, f.hint ? h("small.muted", {}, f.hint) : null);
  });
  const submit = h("button.primary.big-ish", { type: "submit", dataset: { action: "submit" } }, t(submitKey));
  const cancel = h("button.big-ish", { type: "button", dataset: { action: "cancel" }, onclick: () => close() }, t("case.cancel_dialog"));
  const form = h("form.case-form", {}, h("h2", {}, t(titleKey, titleParams)), ...rows, ...extra, error, h("div.buttons", {}, cancel, submit));
  const dialog = h(`dialog.case-dialog${className ? "." + className : ""}`, {}, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      await onSubmit(values());
      close();
    } catch (err) {
      error.textContent = err.message || String(err);
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener("cancel", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  function values() {
    const out = {};
    for (const [name, input] of inputs) {
      if (input.dataset.kind === "checks") out[name] = [...input.querySelectorAll("input:checked")].map((i) => i.value);
      else if (input.dataset.kind === "static") continue;
      else out[name] = input.value.trim();
    }
    return out;
  }
  function close() {
    dialog.close();
    dialog.remove();
  }
  return { dialog, inputs, close, values, hide: () => dialog.close(), show: () => dialog.showModal() };
}

function field(f) {
  const common = { name: f.name, required: f.required || false, dataset: { kind: f.kind || "text" } };
  if (f.kind === "textarea") return h("textarea", { ...common, rows: 3 }, f.value ?? "");
  if (f.kind === "select") {
    const select = h("select", common, f.options.map(([value, label]) => h("option", { value }, label)));
    if (f.value != null) select.value = String(f.value);
    return select;
  }
  if (f.kind === "checks") {
    return h("div.checks", { dataset: { kind: "checks" } }, f.options.map(([value, label]) =>
      h("label.toggle", {}, h("input", { type: "checkbox", name: f.name, value, checked: (f.value || []).includes(value) }), label)));
  }
  if (f.kind === "static") return h("div.static", { dataset: { kind: "static" } }, f.value ?? "");
  const type = f.kind === "number" ? "number" : f.kind === "datetime" ? "datetime-local" : "text";
  return h("input", { ...common, type, value: f.value ?? "", step: f.step, min: f.min, max: f.max, placeholder: f.placeholder });
}

/** A datetime-local input's value (local time) as ISO-8601 UTC, or null when empty. */
export function localToIso(value) {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}

/** Minutes from now as ISO-8601 UTC. */
export function inMinutes(minutes, now = Date.now()) {
  return new Date(now + minutes * 60000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

