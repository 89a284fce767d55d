// A tiny element builder: the views are small enough that a framework would only add weight
// and a build step, and the offline machines should load nothing but what seagrid serves.

/** h("button.primary", {onclick, dataset}, "text", child...): tag.classes, attributes, children. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses style attributes.
    else if (key === "style" && typeof value === "string") el.style.cssText = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A select whose option labels come from the catalogue, re-labelled on language change. */
export function options(select, values, label) {
  const current = select.value;
  clear(select);
  for (const value of values) select.append(h("option", { value }, label(value)));
  if (values.includes(current)) select.value = current;
  return select;
}
