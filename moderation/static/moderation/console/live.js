/* Lantern moderator console: the live panel: the queue's websocket (/ws/moderation/), reconnects with backoff, polling while it is down.
 */
import { byId, config, state } from "./state.js";
import { announce, categoryLabel, el, format } from "./dom.js";
import { loadQueue, scheduleQueueRefresh } from "./queue.js";
import { renderClaim, showNotice } from "./case.js";

// --- live queue --------------------------------------------------------------------------------

export function setLive(kind, label) {
  const live = byId("live");
  live.dataset.state = kind;
  byId("live-label").textContent = label;
}

export function socketUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${config.urls.socket}`;
}

export function connect() {
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
    if (closed.code === 4401 || closed.code === 4403) {
      setLive("offline", gettext("Offline: sign in again"));
      startPolling();
      return;
    }
    scheduleReconnect();
  });
}

export function scheduleReconnect() {
  state.attempts += 1;
  // Exponential backoff with jitter, so a restarted server is not hit by every console at once.
  const base = Math.min(30000, 1000 * 2 ** (state.attempts - 1));
  const delay = Math.round(base / 2 + Math.random() * base / 2);
  setLive("offline", format(gettext("Offline: retrying in %(seconds)s s"), { seconds: Math.ceil(delay / 1000) }));
  startPolling();
  state.reconnectTimer = window.setTimeout(connect, delay);
}

export function startPolling() {
  if (!state.pollTimer) state.pollTimer = window.setInterval(loadQueue, 30000);
}

export function stopPolling() {
  window.clearInterval(state.pollTimer);
  state.pollTimer = null;
}

export function onQueueEvent({ event, case: summary }) {
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
