// Operator accounts, created from the admin CLI (directly or through the running
// server's admin socket).
import { z } from 'zod';
import { BankError } from '../errors.js';
import { audit } from '../repo/audit.js';
import type { BankContext } from '../services/context.js';
import { hashPassword, MIN_PASSWORD_LENGTH, OPERATOR_ROLES, type OperatorRole } from './auth.js';
import { consoleQueryable } from './bank-bridge.js';
import { OperatorStore } from './store.js';

export const createOperatorInput = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  role: z.enum(OPERATOR_ROLES),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
});
export type CreateOperatorInput = z.input<typeof createOperatorInput>;

export interface OperatorAccount {
  id: string;
  email: string;
  role: OperatorRole;
}

export async function createOperatorAccount(ctx: BankContext, input: CreateOperatorInput): Promise<OperatorAccount> {
  const parsed = createOperatorInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'input';
    const message =
      field === 'password'
        ? `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`
        : `The ${field} is not valid.`;
    throw new BankError('INVALID_REQUEST', message);
  }
  const { email, role, password } = parsed.data;
  const store = new OperatorStore(consoleQueryable(ctx.database));
  if (await store.findByEmail(email)) throw new BankError('CONFLICT', `An operator ${email} already exists.`);
  const created = await store.createOperator(email, role, await hashPassword(password));
  await audit(ctx.database.db, { type: 'admin' }, 'operator.created', { type: 'operator', id: email }, { role });
  return { id: created.id, email: created.email, role: created.role };
}
