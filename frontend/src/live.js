// The /ws/live connection: subscribes with the map's box, hands `positions`, `alert`, `case`
// and `instruction` messages to listeners, and reconnects with capped back-off when the link
// drops (a patrol boat loses the network often). Each reconnect gets a fresh snapshot from the server.

export class LiveClient {
  constructor(tokenProvider, { onPositions, onAlert, onCase, onInstruction, onStatus } = {}) {
    this.tokenProvider = tokenProvider;
    this.onPositions = onPositions || (() => {});
    this.onAlert = onAlert || (() => {});
    this.onCase = onCase || (() => {});
    this.onInstruction = onInstruction || (() => {});
    this.onStatus = onStatus || (() => {});
    this.bbox = null;
    this.ws = null;
    this.delay = 500;
    this.closed = false;
    this.status = "connecting";
    // The badge must tell the truth: a socket whose network is gone can take minutes to
    // notice, so the browser's own offline/online events decide at once.
    window.addEventListener("offline", () => {
      if (this.closed) return;
      this.setStatus("offline");
      this.ws?.close();
    });
    window.addEventListener("online", () => {
      if (this.closed || this.status === "online") return;
      this.delay = 500;
      clearTimeout(this.retry);
      this.connect();
    });
  }

  url() {
    const base = new URL("ws/live", document.baseURI);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    base.searchParams.set("token", this.tokenProvider());
    return base.toString();
  }

  connect() {
    this.closed = false;
    if (navigator.onLine === false) {
      this.setStatus("offline"); // no network: do not claim to be connecting; "online" retries
      return;
    }
    this.setStatus("connecting");
    const ws = (this.ws = new WebSocket(this.url()));
    ws.onopen = () => {
      this.delay = 500;
      this.setStatus("online");
      if (this.bbox) this.send({ type: "subscribe", bbox: this.bbox });
    };
    ws.onmessage = (event) => this.dispatch(JSON.parse(event.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setStatus("offline");
      if (!this.closed) this.retry = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  dispatch(message) {
    if (message.type === "positions") this.onPositions(message);
    else if (message.type === "alert") this.onAlert(message.alert, message); // message: change, actor, note
    else if (message.type === "case") this.onCase(message.case, message);
    else if (message.type === "instruction") this.onInstruction(message); // instruction, change, case
    else if (message.type === "ping") this.send({ type: "pong" });
  }

  setStatus(status) {
    this.status = status;
    this.onStatus(status);
  }

  subscribe(bbox) {
    this.bbox = bbox.map((v) => Math.round(v * 1e4) / 1e4);
    this.send({ type: "subscribe", bbox: this.bbox });
  }

  send(message) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}

/** The map's visible box, clamped to valid WGS84 so the server accepts it. */
export function mapBbox(map, margin = 0.1) {
  const b = map.getBounds();
  const dx = (b.getEast() - b.getWest()) * margin;
  const dy = (b.getNorth() - b.getSouth()) * margin;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  return [clamp(b.getWest() - dx, -180, 180), clamp(b.getSouth() - dy, -90, 90), clamp(b.getEast() + dx, -180, 180), clamp(b.getNorth() + dy, -90, 90)];
}
