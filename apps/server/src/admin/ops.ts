import type { BankContext } from '../services/context.js';
import { type CreateOperatorInput, createOperatorAccount, type OperatorAccount } from '../operators/accounts.js';
import { unlockCase } from '../services/cases.js';
import {
  type CreatePartnerInput,
  createPartnerAccount,
  listPartners,
  type PartnerSummary,
  revokePartner,
  rotatePartnerKey,
} from '../services/partners.js';

/** Operator actions, the same whether run in-process, on an opened database, or over the admin socket. */
export interface AdminOps {
  createPartner(input: CreatePartnerInput): Promise<{ id: string; name: string; key: string }>;
  listPartners(): Promise<PartnerSummary[]>;
  rotatePartnerKey(idOrName: string): Promise<{ id: string; name: string; key: string }>;
  revokePartner(idOrName: string): Promise<PartnerSummary>;
  unlockCase(caseNumber: string): Promise<{ caseNumber: string; unlocked: boolean }>;
  createOperator(input: CreateOperatorInput): Promise<OperatorAccount>;
}

export function directAdminOps(ctx: BankContext): AdminOps {
  return {
    createPartner: (input) => createPartnerAccount(ctx, input),
    listPartners: () => listPartners(ctx),
    rotatePartnerKey: (id) => rotatePartnerKey(ctx, id),
    revokePartner: (id) => revokePartner(ctx, id),
    unlockCase: (n) => unlockCase(ctx, n),
    createOperator: (input) => createOperatorAccount(ctx, input),
  };
}
