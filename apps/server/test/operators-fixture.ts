// An in-memory stand-in for the bank side of the console (partners, audit log,
// hash facts), so the console's own logic is tested without the whole bank.
import type { FeedbackFact } from '../src/abuse/rules.js';
import type { AuditEntryInput, BankBridge, HashFacts } from '../src/operators/bridge.js';

export class MemoryBridge implements BankBridge {
  readonly audits: AuditEntryInput[] = [];
  partners = new Map<string, { name: string; revoked: boolean; extended: 'VideoVPDQ'[] }>();
  async audit(entry: AuditEntryInput) {
    this.audits.push(entry);
  }
  async queryAudit() {
    return this.audits.map((a, i) => ({
      id: String(i),
      at: new Date(0).toISOString(),
      actor: `${a.actor.type}:${a.actor.id}`,
      action: a.action,
      target: a.subject ? `${a.subject.type}:${a.subject.id}` : null,
      details: a.details ?? {},
    }));
  }
  async listPartners() {
    return [...this.partners].map(([id, p]) => ({
      id,
      name: p.name,
      createdAt: new Date(0).toISOString(),
      revokedAt: p.revoked ? new Date(0).toISOString() : null,
      extendedSignalTypes: p.extended,
      lastFetchAt: null,
      checkpoint: null,
      checkpointLagSeconds: null,
    }));
  }
  async createPartner(name: string, actor: AuditEntryInput['actor']) {
    const id = `p${this.partners.size + 1}`;
    this.partners.set(id, { name, revoked: false, extended: [] });
    this.audits.push({ actor, action: 'partner.created', subject: { type: 'partner', id } });
    return { id, name, key: `key-${id}` };
  }
  async rotatePartnerKey(id: string, actor: AuditEntryInput['actor']) {
    if (!this.partners.has(id)) return null;
    this.audits.push({ actor, action: 'partner.key_rotated', subject: { type: 'partner', id } });
    return { key: `rotated-${id}` };
  }
  async revokePartner(id: string, actor: AuditEntryInput['actor']) {
    const p = this.partners.get(id);
    if (!p) return false;
    p.revoked = true;
    this.audits.push({ actor, action: 'partner.revoked', subject: { type: 'partner', id } });
    return true;
  }
  async setPartnerSignalTypes(id: string, extended: 'VideoVPDQ'[]) {
    const p = this.partners.get(id);
    if (!p) return false;
    p.extended = extended;
    return true;
  }
  async dashboard() {
    return {
      days: [],
      feedbackByPartner: [],
      totals: { cases: 0, activeHashes: 0, matches: 0, removals: 0, notRemoved: 0 },
    };
  }
  /** `signal:value` -> what the bank knows about the hash. */
  readonly hashes = new Map<string, { caseCount: number; feedback: (FeedbackFact & { partnerName: string })[] }>();
  /** Every distribution change, in order, as `held pdq:...` / `shared pdq:...`. */
  readonly distributionChanges: string[] = [];
  async hashFacts(signalType: string, value: string): Promise<HashFacts> {
    const known = this.hashes.get(`${signalType}:${value}`);
    if (!known) return { exists: false, caseCount: 0, activeCaseCount: 0, feedback: [] };
    return {
      exists: true,
      caseCount: known.caseCount,
      activeCaseCount: known.caseCount,
      feedback: [...known.feedback],
    };
  }
  async setDistribution(signalType: string, value: string, distribution: 'held' | 'shared') {
    this.distributionChanges.push(`${distribution} ${signalType}:${value}`);
  }
  /** The hash's current distribution: the last change, else shared. */
  distributionOf(key: string): 'held' | 'shared' {
    const last = this.distributionChanges.filter((c) => c.endsWith(` ${key}`)).pop();
    return last?.startsWith('held') ? 'held' : 'shared';
  }
}
