/* Lantern moderator console: the queue panel: filters, the list of held reports, their ages.
 */
import { QUEUE_LIMIT, STATE_LABELS, byId, config, state } from "./state.js";
import {
  ageClass,
  ageText,
  categoryLabel,
  claimActive,
  claimedByMe,
  el,
  familyBadge,
  format,
} from "./dom.js";
import { api } from "./server.js";
import { openCase, renderMeta } from "./case.js";

// --- the queue ---------------------------------------------------------------------------------

export function queueQuery() {
  const form = byId("filters");
  const params = new URLSearchParams({ limit: String(QUEUE_LIMIT) });
  for (const name of ["family", "district", "state"]) {
    const value = form.elements[name].value;
    if (value) params.set(name, value);
  }
  const age = form.elements.age.value;
  if (age) {
    const [kind, minutes] = age.split(":");
    params.set(kind === "min" ? "min_age_minutes" : "max_age_minutes", minutes);
  }
  return `${config.urls.queue}?${params}`;
}

export async function loadQueue() {
  const seq = ++state.loadSeq;
  const status = byId("queue-status");
  byId("queue-list").setAttribute("aria-busy", "true");
  try {
    const page = await api(queueQuery());
    if (seq !== state.loadSeq) return; // a newer load (filter change, live event) already answered
    const previous = state.known;
    state.cases = page.results;
    state.known = new Set(page.results.map((item) => item.report_id));
    renderQueue(previous);
    const shown = page.results.length;
    byId("queue-count").textContent = format(
      ngettext("%(count)s report", "%(count)s reports", page.count), { count: page.count });
    status.classList.remove("queue-status-error");
    status.textContent = page.count > shown
      ? format(ngettext("Showing only the oldest report.", "Showing the %(shown)s oldest.", shown), { shown })
      : "";
  } catch (error) {
    if (seq !== state.loadSeq) return;
    status.classList.add("queue-status-error");
    status.textContent = error.message;
  } finally {
    if (seq === state.loadSeq) byId("queue-list").removeAttribute("aria-busy");
  }
}

export function scheduleQueueRefresh() {
  window.clearTimeout(state.refreshTimer);
  // Events arrive in bursts (claim then decision); one reload answers them all.
  state.refreshTimer = window.setTimeout(loadQueue, 250);
}

export function queueItem(item, isNew) {
  const selected = item.report_id === state.selectedId;
  const claim = claimActive(item)
    ? el("span", { className: claimedByMe(item) ? "claim claim-mine" : "claim" },
      claimedByMe(item) ? gettext("Claimed by you") : format(gettext("Claimed by %(moderator)s"), {
        moderator: item.claimed_by,
      }))
    : null;
  const stage = item.state !== "open"
    ? el("span", { className: `stage stage-${item.state}`, text: STATE_LABELS[item.state] || item.state })
    : null;
  const button = el("button", {
    type: "button",
    className: "queue-item",
    "aria-current": selected ? "true" : null,
    dataset: { id: item.report_id },
  },
  el("span", { className: "qi-row" },
    el("span", { className: "qi-category", text: categoryLabel(item.category) }),
    el("span", { className: ageClass(item.opened_at), dataset: { opened: item.opened_at } },
      // Translators: read out before the waiting time ("Waiting 5 min") by screen readers.
      el("span", { className: "visually-hidden", text: `${gettext("Waiting")} ` }), ageText(item.opened_at))),
  el("span", { className: "qi-row qi-meta" },
    el("span", { text: item.district || gettext("No district") }), stage),
  el("span", { className: "qi-row" },
    el("span", { className: "badges" }, (item.families || []).map(familyBadge)),
    claim));
  button.addEventListener("click", () => openCase(item.report_id));
  return el("li", { className: isNew ? "is-new" : null }, button);
}

export function renderQueue(previous) {
  const list = byId("queue-list");
  const focusedId = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.id : null;
  list.replaceChildren(...state.cases.map((item) => queueItem(item, previous && !previous.has(item.report_id))));
  if (!state.cases.length) {
    list.append(el("li", { className: "queue-empty" },
      el("strong", { text: gettext("Nothing waiting") }),
      el("span", { text: gettext("New reports appear here as they arrive.") })));
  }
  if (focusedId) {
    const again = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus();
  }
}

export function refreshAges() {
  for (const node of document.querySelectorAll("[data-opened]")) {
    node.className = ageClass(node.dataset.opened);
    node.lastChild.textContent = ageText(node.dataset.opened);
  }
  if (state.detail) renderMeta();
}
