/* Lantern moderator console: building the page from data: elements and SVG from properties (user text only ever as text nodes), messages
 * with values, and the formatting of ages, times, categories, claims and districts.
 */
import { SVG_NS, byId, config, state } from "./state.js";

// --- small DOM helpers -------------------------------------------------------------------------

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

export function announce(message) {
  const region = byId("announcer");
  region.textContent = "";
  // A fresh text node after a tick makes screen readers announce a repeated message too.
  window.setTimeout(() => { region.textContent = message; }, 50);
}

// A translated message with %(name)s placeholders, filled with values.
export function format(message, values) {
  return interpolate(message, values, true);
}

// The same, as nodes: a value may be an element (a <code>), and translators still choose the order.
export function formatNodes(message, values) {
  return message.split(/(%\(\w+\)s)/).filter(Boolean).map((part) => {
    const name = /^%\((\w+)\)s$/.exec(part);
    if (!name) return document.createTextNode(part);
    const value = values[name[1]];
    return value instanceof Node ? value : document.createTextNode(String(value));
  });
}

export function caseUrl(template, id) {
  return config.urls[template].replace(config.idPlaceholder, encodeURIComponent(id));
}

// --- formatting --------------------------------------------------------------------------------

export function ageText(iso) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return gettext("just now");
  // Translators: short units of a waiting time, as on a queue ticket: min (minutes), h (hours), d (days).
  if (minutes < 60) return format(gettext("%(minutes)s min"), { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60
      ? format(gettext("%(hours)s h %(minutes)s min"), { hours, minutes: minutes % 60 })
      : format(gettext("%(hours)s h"), { hours });
  }
  const days = Math.floor(hours / 24);
  return hours % 24
    ? format(gettext("%(days)s d %(hours)s h"), { days, hours: hours % 24 })
    : format(gettext("%(days)s d"), { days });
}

export function ageClass(iso) {
  const minutes = (Date.now() - new Date(iso).getTime()) / 60000;
  if (minutes >= 24 * 60) return "age age-late";
  if (minutes >= 60) return "age age-due";
  return "age";
}

export function timeText(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

export function clockText(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function categoryLabel(code) {
  return state.categories[code] || code || gettext("Uncategorised");
}

export function claimActive(item) {
  return Boolean(item.claimed_by) && (!item.claimed_until || new Date(item.claimed_until) > new Date());
}

export function claimedByMe(item) {
  return claimActive(item) && item.claimed_by === config.user;
}

export function familyBadge(family) {
  // The label in the moderator's language; the stable code (what the filters and reason codes use) on hover.
  return el("span", {
    className: `badge badge-${family}`, title: family, text: config.families[family] || family,
  });
}

// Django's slugify, so the district filter can send the slug the queue filter expects (the service
// area API lists names only); duplicates get -2, -3 like reports.services.service_area_activate.
export function slugify(value) {
  return String(value)
    .normalize("NFKD")
    .replace(/[^\x00-\x7F]/g, "")
    .toLowerCase()
    .replace(/[^\w\s-]/g, "")
    .replace(/[-\s]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
}

export function districtsWithSlugs(names) {
  const used = new Set();
  return names.map((name) => {
    const base = slugify(name) || "district";
    let slug = base;
    for (let counter = 2; used.has(slug); counter += 1) slug = `${base}-${counter}`;
    used.add(slug);
    return { name, slug };
  });
}
