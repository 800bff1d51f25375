/* Lantern moderator console.
 *
 * Reads and writes go through the JSON API with the Django session (CSRF header on POST); the queue
 * stays current through /ws/moderation/. User text is only ever inserted as text nodes: reports are
 * written by strangers, and some are written to attack whoever reads them.
 *
 * Texts are in the moderator's language: gettext, ngettext and interpolate come from Django's JavaScript
 * catalog (moderation.console.console_catalog), loaded just before this file.
 */
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("console-config").textContent);
  const byId = (id) => document.getElementById(id);
  const SVG_NS = "http://www.w3.org/2000/svg";
  const QUEUE_LIMIT = 200;
  const OUTCOME_LABELS = {
    approve: gettext("Approved"),
    approve_redacted: gettext("Approved redacted"),
    reject: gettext("Rejected"),
    escalate: gettext("Escalated"),
  };
  const STATE_LABELS = {
    open: gettext("New"), escalated: gettext("Escalated"), appealed: gettext("Appealed"), closed: gettext("Closed"),
  };
  // What the rule asked for, on each hit (moderation.models.RuleHit.Action).
  const ACTION_LABELS = { redact: gettext("redact"), hold: gettext("hold"), reject: gettext("reject") };
  // The report's status after a decision (reports.models.Report.Status), as a whole sentence each.
  const REPORT_NOW = {
    published: gettext("The report is now published."),
    rejected: gettext("The report is now rejected."),
    pending_review: gettext("The report is now pending review."),
    withdrawn: gettext("The report is now withdrawn."),
  };

  const state = {
    cases: [],
    known: null, // ids seen in the previous queue load; null until the first load
    selectedId: null,
    detail: null,
    decided: null,
    districts: [], // [{name, slug}]
    categories: {}, // code -> label
    area: null,
    busy: false,
    socket: null,
    attempts: 0,
    reconnectTimer: null,
    refreshTimer: null,
    pollTimer: null,
    loadSeq: 0,
    openSeq: 0,
  };

  // --- small DOM helpers -------------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
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

  function svg(tag, attrs = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  }

  function announce(message) {
    const region = byId("announcer");
    region.textContent = "";
    // A fresh text node after a tick makes screen readers announce a repeated message too.
    window.setTimeout(() => { region.textContent = message; }, 50);
  }

  // A translated message with %(name)s placeholders, filled with values.
  function format(message, values) {
    return interpolate(message, values, true);
  }

  // The same, as nodes: a value may be an element (a <code>), and translators still choose the order.
  function formatNodes(message, values) {
    return message.split(/(%\(\w+\)s)/).filter(Boolean).map((part) => {
      const name = /^%\((\w+)\)s$/.exec(part);
      if (!name) return document.createTextNode(part);
      const value = values[name[1]];
      return value instanceof Node ? value : document.createTextNode(String(value));
    });
  }

  function caseUrl(template, id) {
    return config.urls[template].replace(config.idPlaceholder, encodeURIComponent(id));
  }

  // --- HTTP --------------------------------------------------------------------------------------

  function csrfToken() {
    for (const part of document.cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === "csrftoken") return decodeURIComponent(rest.join("="));
    }
    return "";
  }

  function problemText(body, response) {
    if (body && typeof body === "object") {
      if (Array.isArray(body.errors) && body.errors.length > 1) {
        return body.errors.map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail)).join(" ");
      }
      if (body.detail) return String(body.detail);
      if (body.title) return String(body.title);
    }
    if (response.status === 401 || response.status === 403) {
      return gettext("Your session has ended or lacks the moderator role. Sign in again.");
    }
    return format(gettext("The server answered %(status)s."), { status: response.status });
  }

  async function api(url, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json, application/problem+json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    let response;
    try {
      response = await fetch(url, {
        method, headers, credentials: "same-origin", cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (networkError) {
      const error = new Error(gettext("The server could not be reached. Check the connection and try again."));
      error.status = 0;
      throw error;
    }
    let data = null;
    try { data = await response.json(); } catch (parseError) { data = null; }
    if (!response.ok) {
      const error = new Error(problemText(data, response));
      error.status = response.status;
      error.problem = data;
      throw error;
    }
    return data;
  }

  // --- formatting --------------------------------------------------------------------------------

  function ageText(iso) {
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

  function ageClass(iso) {
    const minutes = (Date.now() - new Date(iso).getTime()) / 60000;
    if (minutes >= 24 * 60) return "age age-late";
    if (minutes >= 60) return "age age-due";
    return "age";
  }

  function timeText(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function clockText(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function categoryLabel(code) {
    return state.categories[code] || code || gettext("Uncategorised");
  }

  function claimActive(item) {
    return Boolean(item.claimed_by) && (!item.claimed_until || new Date(item.claimed_until) > new Date());
  }

  function claimedByMe(item) {
    return claimActive(item) && item.claimed_by === config.user;
  }

  function familyBadge(family) {
    return el("span", {
      className: `badge badge-${family}`, title: config.families[family] || family, text: family,
    });
  }

  // Django's slugify, so the district filter can send the slug the queue filter expects (the service
  // area API lists names only); duplicates get -2, -3 like reports.services.service_area_activate.
  function slugify(value) {
    return String(value)
      .normalize("NFKD")
      .replace(/[^\x00-\x7F]/g, "")
      .toLowerCase()
      .replace(/[^\w\s-]/g, "")
      .replace(/[-\s]+/g, "-")
      .replace(/^[-_]+|[-_]+$/g, "");
  }

  function districtsWithSlugs(names) {
    const used = new Set();
    return names.map((name) => {
      const base = slugify(name) || "district";
      let slug = base;
      for (let counter = 2; used.has(slug); counter += 1) slug = `${base}-${counter}`;
      used.add(slug);
      return { name, slug };
    });
  }

  // --- reference data ----------------------------------------------------------------------------

  async function loadReference() {
    const [area, categories] = await Promise.allSettled([
      api(config.urls.serviceArea),
      api(config.urls.categories),
    ]);
    if (categories.status === "fulfilled" && Array.isArray(categories.value)) {
      for (const category of categories.value) state.categories[category.code] = category.label;
    }
    if (area.status === "fulfilled" && area.value) {
      state.area = area.value;
      state.districts = districtsWithSlugs((area.value.properties && area.value.properties.districts) || []);
      const select = byId("filter-district");
      for (const district of state.districts) {
        select.append(el("option", { value: district.slug, text: district.name }));
      }
    }
  }

  // --- the queue ---------------------------------------------------------------------------------

  function queueQuery() {
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

  async function loadQueue() {
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

  function scheduleQueueRefresh() {
    window.clearTimeout(state.refreshTimer);
    // Events arrive in bursts (claim then decision); one reload answers them all.
    state.refreshTimer = window.setTimeout(loadQueue, 250);
  }

  function queueItem(item, isNew) {
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

  function renderQueue(previous) {
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

  function refreshAges() {
    for (const node of document.querySelectorAll("[data-opened]")) {
      node.className = ageClass(node.dataset.opened);
      node.lastChild.textContent = ageText(node.dataset.opened);
    }
    if (state.detail) renderMeta();
  }

  // --- one case ----------------------------------------------------------------------------------

  async function openCase(id) {
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

  function highlightedText(text, hits) {
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

  function renderMeta() {
    const detail = state.detail;
    const parts = [detail.district || gettext("No district")];
    if (detail.state !== "closed") parts.push(format(gettext("waiting %(age)s"), { age: ageText(detail.opened_at) }));
    parts.push(format(gettext("opened %(time)s"), { time: timeText(detail.opened_at) }));
    if (detail.occurred_at) parts.push(format(gettext("happened %(time)s"), { time: timeText(detail.occurred_at) }));
    byId("case-meta").textContent = parts.join(" · ");
  }

  function renderCase() {
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

  function decidedBy(decision) {
    return formatNodes(gettext("%(code)s by %(moderator)s"), {
      code: el("code", { text: decision.reason_code }), moderator: decision.moderator,
    });
  }

  function renderReasons() {
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

  function renderClaim() {
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

  function showError(message) {
    const box = byId("action-error");
    box.textContent = message;
    box.hidden = false;
  }

  function hideError() {
    const box = byId("action-error");
    box.hidden = true;
    box.textContent = "";
  }

  function showNotice(kind, ...content) {
    const notice = byId("case-notice");
    notice.className = `notice notice-${kind}`;
    notice.replaceChildren(...content);
    notice.hidden = false;
  }

  async function act(action) {
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

  function renderDecided(action, reason, result) {
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

  // --- live queue --------------------------------------------------------------------------------

  function setLive(kind, label) {
    const live = byId("live");
    live.dataset.state = kind;
    byId("live-label").textContent = label;
  }

  function socketUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${config.urls.socket}`;
  }

  function connect() {
    window.clearTimeout(state.reconnectTimer);
    if (state.socket && state.socket.readyState <= WebSocket.OPEN) return;
    setLive("connecting", state.attempts ? gettext("Reconnecting…") : gettext("Connecting…"));
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.addEventListener("open", () => {
      const wasDown = state.attempts > 0;
      state.attempts = 0;
      setLive("live", gettext("Live"));
      stopPolling();
      // Events sent while we were away are lost; a reload catches up.
      if (wasDown) loadQueue();
    });
    socket.addEventListener("message", (message) => {
      let payload;
      try { payload = JSON.parse(message.data); } catch (error) { return; }
      if (payload && payload.event && payload.case) onQueueEvent(payload);
    });
    socket.addEventListener("close", (closed) => {
      if (state.socket !== socket) return;
      state.socket = null;
      if (closed.code === 4403) {
        setLive("offline", gettext("Offline: sign in again"));
        startPolling();
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    state.attempts += 1;
    // Exponential backoff with jitter, so a restarted server is not hit by every console at once.
    const base = Math.min(30000, 1000 * 2 ** (state.attempts - 1));
    const delay = Math.round(base / 2 + Math.random() * base / 2);
    setLive("offline", format(gettext("Offline: retrying in %(seconds)s s"), { seconds: Math.ceil(delay / 1000) }));
    startPolling();
    state.reconnectTimer = window.setTimeout(connect, delay);
  }

  function startPolling() {
    if (!state.pollTimer) state.pollTimer = window.setInterval(loadQueue, 30000);
  }

  function stopPolling() {
    window.clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function onQueueEvent({ event, case: summary }) {
    scheduleQueueRefresh();
    if (event === "case.new") {
      const category = categoryLabel(summary.category);
      announce(summary.district
        ? format(gettext("New report waiting: %(category)s, %(district)s."), { category, district: summary.district })
        : format(gettext("New report waiting: %(category)s."), { category }));
    }
    const detail = state.detail;
    if (!detail || detail.report_id !== summary.report_id) return;
    if (event === "case.claimed") {
      Object.assign(detail, { claimed_by: summary.claimed_by, claimed_until: summary.claimed_until });
      renderClaim();
    } else if ((event === "case.decided" || event === "case.withdrawn") && !state.busy) {
      const ours = detail.decisions.length && detail.decisions[detail.decisions.length - 1].moderator === config.user
        && summary.state === detail.state;
      Object.assign(detail, { state: summary.state, claimed_by: summary.claimed_by, claimed_until: summary.claimed_until });
      renderClaim();
      if (!ours) {
        showNotice("warning", el("span", {
          text: event === "case.withdrawn"
            ? gettext("The reporter withdrew this report while you were reading it.")
            : gettext("Another moderator decided on this report while you were reading it."),
        }));
      }
    }
  }

  // --- the offline map ---------------------------------------------------------------------------

  function rings(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
    return [];
  }

  function projection(bbox, width, height, pad) {
    const [west, south, east, north] = bbox;
    // Equirectangular, scaled by cos(latitude) so a town keeps its shape at its own latitude.
    const kx = Math.cos(((south + north) / 2) * Math.PI / 180);
    const spanX = Math.max((east - west) * kx, 1e-9);
    const spanY = Math.max(north - south, 1e-9);
    const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
    const offsetX = (width - spanX * scale) / 2;
    const offsetY = (height - spanY * scale) / 2;
    return {
      scale,
      point: ([lng, lat]) => [offsetX + (lng - west) * kx * scale, offsetY + (north - lat) * scale],
    };
  }

  function drawMap(location, accuracy) {
    const node = byId("map-svg");
    const width = 320;
    const height = 190;
    node.setAttribute("viewBox", `0 0 ${width} ${height}`);
    node.replaceChildren();
    const title = svg("title");
    title.textContent = location ? gettext("Service area with the report's exact point") : gettext("Service area outline");
    node.append(title);
    if (!state.area) return;
    const bbox = state.area.bbox || [0, 0, 1, 1];
    const proj = projection(bbox, width, height, 14);
    const path = rings(state.area.geometry).map((ring) => ring.map((coordinate, index) => {
      const [x, y] = proj.point(coordinate);
      return `${index ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
    }).join(" ") + " Z").join(" ");
    node.append(svg("path", { d: path, class: "map-area", "fill-rule": "evenodd" }));
    if (!location) return;
    const [x, y] = proj.point(location.coordinates);
    if (accuracy) {
      const radius = (accuracy / 111320) * proj.scale; // metres to degrees of latitude to pixels
      if (radius > 3) node.append(svg("circle", { cx: x, cy: y, r: Math.min(radius, 120), class: "map-accuracy" }));
    }
    node.append(svg("circle", { cx: x, cy: y, r: 9, class: "map-halo" }));
    node.append(svg("circle", { cx: x, cy: y, r: 4.5, class: "map-point" }));
  }

  function resetMap() {
    drawMap(null);
    byId("map").classList.remove("map-revealed");
    byId("map-overlay").hidden = false;
    byId("map-caption").textContent = gettext("Service area outline. The exact point is shown only on request.");
    const button = byId("show-location");
    button.disabled = false;
    button.textContent = gettext("Show exact location");
  }

  async function showLocation() {
    const detail = state.detail;
    if (!detail) return;
    const button = byId("show-location");
    button.disabled = true;
    hideError();
    try {
      const body = await api(`${caseUrl("case", detail.report_id)}?include=location`);
      if (state.detail !== detail) return;
      drawMap(body.location, body.accuracy_m);
      byId("map").classList.add("map-revealed");
      byId("map-overlay").hidden = true;
      const [lng, lat] = body.location.coordinates;
      const accuracy = body.accuracy_m ? ` · ${format(gettext("±%(metres)s m"), { metres: body.accuracy_m })}` : "";
      byId("map-caption").textContent = format(gettext("%(place)s. This view was recorded in the audit trail."), {
        place: `${lat.toFixed(5)}, ${lng.toFixed(5)}${accuracy}`,
      });
      button.textContent = gettext("Exact location shown");
    } catch (error) {
      button.disabled = false;
      showError(error.message);
    }
  }

  // --- wiring ------------------------------------------------------------------------------------

  function onQueueKeydown(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = [...document.querySelectorAll(".queue-item")];
    const index = items.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    const next = items[Math.max(0, Math.min(items.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
  }

  async function start() {
    byId("filters").addEventListener("change", loadQueue);
    byId("filters").addEventListener("submit", (event) => event.preventDefault());
    byId("queue-refresh").addEventListener("click", loadQueue);
    byId("queue-list").addEventListener("keydown", onQueueKeydown);
    byId("show-location").addEventListener("click", showLocation);
    for (const button of document.querySelectorAll("#decision-form button[data-action]")) {
      button.addEventListener("click", () => act(button.dataset.action));
    }
    window.addEventListener("online", () => { state.attempts = 0; connect(); });
    window.setInterval(refreshAges, 30000);
    await loadReference();
    await loadQueue();
    connect();
  }

  start();
})();
