// Reports a patrol crew makes while the boat has no link: kept in localStorage (they survive
// a reload or a flat tablet battery) and sent in order when the connection is back. A report
// the server refuses (4xx) is dropped with its reason; one that could not be sent stays. Each
// entry's id goes with it, so a report whose answer was lost and is sent again is stored once.

const KEY = "seagrid.outbox";

export class ReportQueue {
  constructor(send, storage = localStorage) {
    this.send = send; // async (report) => void; throws {status} on refusal, TypeError offline
    this.storage = storage;
    this.flushing = false;
    this.refused = [];
    this.overruled = [];
  }

  pending() {
    try {
      return JSON.parse(this.storage.getItem(KEY) || "[]");
    } catch {
      return [];
    }
  }

  save(list) {
    this.storage.setItem(KEY, JSON.stringify(list));
  }

  add(report) {
    const entry = { id: crypto.randomUUID?.() ?? String(Date.now() + Math.random()), at: new Date().toISOString(), ...report };
    this.save([...this.pending(), entry]);
    return entry;
  }

  /** Send what is queued, oldest first; stops at the first network failure. */
  async flush() {
    if (this.flushing) return 0;
    this.flushing = true;
    let sent = 0;
    try {
      for (const report of this.pending()) {
        try {
          const answer = await this.send(report);
          // recorded, but the case was closed otherwise meanwhile: the crew should know
          if (answer?.outcome_refused) this.overruled.push({ report, reason: answer.outcome_refused });
        } catch (error) {
          if (!error.status || error.status >= 500) break; // offline or server trouble: retry later
          this.refused.push({ report, reason: error.message });
        }
        this.save(this.pending().filter((r) => r.id !== report.id));
        sent++;
      }
    } finally {
      this.flushing = false;
    }
    return sent;
  }
}
