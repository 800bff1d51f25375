/* Lantern moderator console: the case panel: one report's text with its rule hits, the claim, the decision form and what was decided.
 */
import { ACTION_LABELS, OUTCOME_LABELS, REPORT_NOW, STATE_LABELS, byId, config, state } from "./state.js";
import {
  ageText,
  announce,
  caseUrl,
  categoryLabel,
  claimActive,
  claimedByMe,
  clockText,
  el,
  familyBadge,
  format,
  formatNodes,
  timeText,
} from "./dom.js";
import { api } from "./server.js";
import { scheduleQueueRefresh } from "./queue.js";
import { resetMap } from "./map.js";

// --- one case ----------------------------------------------------------------------------------

export async function openCase(id) {
  const seq = ++state.openSeq;
  state.selectedId = id;
  for (const node of document.querySelectorAll(".queue-item")) {
    if (node.dataset.id === id) node.setAttribute("aria-current", "true");
    else node.removeAttribute("aria-current");
  }
  hideError();
  try {
    const detail = await api(caseUrl("case", id));
    if (seq !== state.openSeq) return;
    state.detail = detail;
    state.decided = null;
    renderCase();
    byId("case").scrollTop = 0;
    byId("case").focus({ preventScroll: true });
  } catch (error) {
    if (seq !== state.openSeq) return;
    showError(error.message);
  }
}

export function highlightedText(text, hits) {
  // Spans are [start, end) offsets in code points (Python string indices); Array.from splits a
  // string the same way, where JavaScript's own indices would count UTF-16 halves of emoji.
  const chars = Array.from(text || "");
  const marks = [];
  for (const hit of hits || []) {
    for (const [start, end] of hit.spans || []) {
      const from = Math.max(0, Math.min(chars.length, start));
      const to = Math.max(from, Math.min(chars.length, end));
      if (to > from) marks.push({ from, to, codes: [hit.code], family: hit.code.split(".")[0] });
    }
  }
  marks.sort((a, b) => a.from - b.from || b.to - a.to);
  const merged = [];
  for (const mark of marks) {
    const last = merged[merged.length - 1];
    if (last && mark.from < last.to) {
      last.to = Math.max(last.to, mark.to);
      if (!last.codes.includes(mark.codes[0])) last.codes.push(mark.codes[0]);
    } else {
      merged.push({ ...mark });
    }
  }
  const nodes = [];
  let cursor = 0;
  for (const mark of merged) {
    if (mark.from > cursor) nodes.push(document.createTextNode(chars.slice(cursor, mark.from).join("")));
    nodes.push(el("mark", { className: `hit hit-${mark.family}`, title: mark.codes.join(", ") },
      chars.slice(mark.from, mark.to).join(""),
      el("span", {
        className: "visually-hidden",
        text: ` (${format(gettext("flagged: %(codes)s"), { codes: mark.codes.join(", ") })})`,
      })));
    cursor = mark.to;
  }
  if (cursor < chars.length) nodes.push(document.createTextNode(chars.slice(cursor).join("")));
  return nodes;
}

export function renderMeta() {
  const detail = state.detail;
  const parts = [detail.district || gettext("No district")];
  if (detail.state !== "closed") parts.push(format(gettext("waiting %(age)s"), { age: ageText(detail.opened_at) }));
  parts.push(format(gettext("opened %(time)s"), { time: timeText(detail.opened_at) }));
  if (detail.occurred_at) parts.push(format(gettext("happened %(time)s"), { time: timeText(detail.occurred_at) }));
  byId("case-meta").textContent = parts.join(" · ");
}

export function renderCase() {
  const detail = state.detail;
  byId("case-empty").hidden = true;
  byId("case-view").hidden = false;
  const kind = detail.kind === "insecurity" ? gettext("Feeling of insecurity") : gettext("Incident");
  byId("case-kind").textContent = `${kind} · ${detail.category}`;
  byId("case-title").textContent = categoryLabel(detail.category);
  renderMeta();
  byId("case-badges").replaceChildren(
    el("span", { className: `stage stage-${detail.state}`, text: STATE_LABELS[detail.state] || detail.state }),
    ...(detail.families || []).map(familyBadge),
  );

  const text = byId("case-text");
  text.replaceChildren(...highlightedText(detail.description, detail.hits));
  if (!detail.description) text.replaceChildren(el("em", { text: gettext("No text (withdrawn or erased).") }));
  byId("case-redacted").textContent = detail.redacted_text || "—";

  byId("case-hits").replaceChildren(...(detail.hits.length ? detail.hits.map((hit) => el("li", { className: "hit-item" },
    el("div", { className: "hit-head" },
      el("code", { className: `hit-code hit-code-${hit.code.split(".")[0]}`, text: hit.code }),
      el("span", { className: `action action-${hit.action}`, text: ACTION_LABELS[hit.action] || hit.action })),
    el("p", { text: hit.explanation })))
    : [el("li", { className: "muted", text: gettext("No rule hit: held by a behaviour check.") })]));

  const appeal = byId("appeal-panel");
  appeal.hidden = !detail.appeal_note;
  byId("case-appeal").textContent = detail.appeal_note || "";

  byId("case-decisions").replaceChildren(...(detail.decisions.length ? detail.decisions.map((decision) => el("li", {},
    el("div", { className: "history-head" },
      el("strong", { text: OUTCOME_LABELS[decision.outcome] || decision.outcome }),
      decision.on_appeal ? el("span", { className: "stage stage-appealed", text: gettext("on appeal") }) : null,
      el("time", { datetime: decision.created_at, text: timeText(decision.created_at) })),
    el("div", { className: "history-body" }, decidedBy(decision)),
    decision.note ? el("p", { className: "history-note", text: decision.note }) : null))
    : [el("li", { className: "muted", text: gettext("No decision yet.") })]));

  const notice = byId("case-notice");
  notice.hidden = true;
  notice.replaceChildren();
  renderReasons();
  byId("note").value = "";
  renderClaim();
  resetMap();
  byId("case-district-hint").textContent = detail.district || "";
}

export function decidedBy(decision) {
  return formatNodes(gettext("%(code)s by %(moderator)s"), {
    code: el("code", { text: decision.reason_code }), moderator: decision.moderator,
  });
}

export function renderReasons() {
  const detail = state.detail;
  const select = byId("reason");
  const hitCodes = [...new Set(detail.hits.map((hit) => hit.code))];
  const groups = [el("option", { value: "", text: gettext("Choose a reason…") })];
  if (hitCodes.length) {
    groups.push(el("optgroup", { label: gettext("Rules that hit this report") },
      hitCodes.map((code) => el("option", { value: code, text: code }))));
  }
  groups.push(el("optgroup", { label: gettext("Moderator reasons") },
    Object.entries(config.moderatorReasons).map(([code, label]) => el("option", { value: code, text: `${code} — ${label}` }))));
  select.replaceChildren(...groups);
}

export function renderClaim() {
  const detail = state.detail;
  const waiting = ["open", "escalated", "appealed"].includes(detail.state);
  const mine = claimedByMe(detail);
  const line = byId("claim-line");
  if (!waiting) {
    line.textContent = gettext("This report is no longer waiting for a decision.");
  } else if (mine) {
    line.textContent = format(gettext("You hold this report until %(time)s."), {
      time: clockText(detail.claimed_until),
    });
  } else if (claimActive(detail)) {
    line.textContent = format(gettext("%(moderator)s is reviewing this report until %(time)s."), {
      moderator: detail.claimed_by, time: clockText(detail.claimed_until),
    });
  } else {
    line.textContent = gettext("Claim the report to decide on it; a claim lasts 15 minutes.");
  }
  line.className = `claim-line${mine ? " claim-line-mine" : ""}`;
  // A notice (our decision, or someone else's) already says why nothing can be done.
  line.hidden = !waiting && !byId("case-notice").hidden;
  const form = byId("decision-form");
  const buttons = form.querySelectorAll("button[data-action]");
  for (const button of buttons) {
    const action = button.dataset.action;
    let enabled = waiting && !state.busy;
    if (action === "claim") enabled = enabled && !mine;
    else enabled = enabled && mine;
    if (action === "escalate" && detail.state === "appealed") enabled = false; // appeals are upheld or dismissed
    button.disabled = !enabled;
  }
  form.querySelector("[data-action=claim]").hidden = mine || !waiting;
  byId("reason").disabled = !waiting;
  byId("note").disabled = !waiting;
}

export function showError(message) {
  const box = byId("action-error");
  box.textContent = message;
  box.hidden = false;
}

export function hideError() {
  const box = byId("action-error");
  box.hidden = true;
  box.textContent = "";
}

export function showNotice(kind, ...content) {
  const notice = byId("case-notice");
  notice.className = `notice notice-${kind}`;
  notice.replaceChildren(...content);
  notice.hidden = false;
}

export async function act(action) {
  const detail = state.detail;
  if (!detail || state.busy) return;
  hideError();
  const reason = byId("reason").value;
  if (action !== "claim" && !reason) {
    showError(gettext("Choose a reason code first."));
    byId("reason").focus();
    return;
  }
  state.busy = true;
  renderClaim();
  try {
    if (action === "claim") {
      const summary = await api(caseUrl("claim", detail.report_id), { method: "POST" });
      Object.assign(detail, { claimed_by: summary.claimed_by, claimed_until: summary.claimed_until, state: summary.state });
      announce(gettext("Report claimed. You can decide on it now."));
    } else {
      const result = await api(caseUrl("decision", detail.report_id), {
        method: "POST", body: { decision: action, reason_code: reason, note: byId("note").value.trim() },
      });
      const note = byId("note").value.trim();
      detail.decisions.push({
        outcome: action, reason_code: reason, note, on_appeal: detail.state === "appealed",
        moderator: config.user, created_at: new Date().toISOString(),
      });
      Object.assign(detail, { state: result.case_state, claimed_by: null, claimed_until: null });
      renderDecided(action, reason, result);
      renderMeta();
    }
    scheduleQueueRefresh();
  } catch (error) {
    showError(error.message);
  } finally {
    state.busy = false;
    if (state.detail === detail) renderClaim();
  }
}

export function renderDecided(action, reason, result) {
  const detail = state.detail;
  byId("case-badges").firstChild.replaceWith(
    el("span", { className: `stage stage-${detail.state}`, text: STATE_LABELS[detail.state] || detail.state }));
  const last = detail.decisions[detail.decisions.length - 1];
  const list = byId("case-decisions");
  if (detail.decisions.length === 1) list.replaceChildren();
  list.append(el("li", {},
    el("div", { className: "history-head" },
      el("strong", { text: OUTCOME_LABELS[last.outcome] }),
      el("time", { datetime: last.created_at, text: timeText(last.created_at) })),
    el("div", { className: "history-body" }, decidedBy(last)),
    last.note ? el("p", { className: "history-note", text: last.note }) : null));
  const next = state.cases.find((item) => item.report_id !== detail.report_id);
  const message = result.case_state === "escalated"
    ? gettext("Escalated: the report stays in the queue for a senior moderator.")
    : [
      format(gettext("%(outcome)s with %(reason)s."), { outcome: OUTCOME_LABELS[action], reason }),
      REPORT_NOW[result.status] || result.status,
    ].join(" ");
  showNotice("success", el("span", { text: message }),
    next ? el("button", { type: "button", className: "link-button", text: gettext("Open the next report →") }) : null);
  const nextButton = byId("case-notice").querySelector("button");
  if (nextButton) nextButton.addEventListener("click", () => openCase(next.report_id));
  announce(message);
}
