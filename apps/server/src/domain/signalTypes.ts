/** Bank-internal signal types and their StopNCII spellings (see docs/architecture.md). */
export const signalTypes = ['pdq', 'md5', 'vpdq'] as const;
export type SignalType = (typeof signalTypes)[number];

export const stopnciiSignalTypes = ['Unknown', 'ImagePDQ', 'VideoMD5', 'VideoTMK', 'Text', 'URL'] as const;
/** Extended types, offered only to partners that opted in (unknown values make StopNCII clients drop records). */
export const extendedSignalTypes = ['VideoVPDQ'] as const;

const toPartner: Record<SignalType, string> = { pdq: 'ImagePDQ', md5: 'VideoMD5', vpdq: 'VideoVPDQ' };

export function partnerSignalType(t: SignalType): string {
  return toPartner[t];
}

/** Accepts `ImagePDQ` and the Python client's `StopNCIISignalType.ImagePDQ`. */
export function parsePartnerSignalType(raw: string): SignalType | 'unsupported' | undefined {
  const name = raw.startsWith('StopNCIISignalType.') ? raw.slice('StopNCIISignalType.'.length) : raw;
  for (const [k, v] of Object.entries(toPartner)) if (v === name) return k as SignalType;
  return (stopnciiSignalTypes as readonly string[]).includes(name) ? 'unsupported' : undefined;
}

export function visibleSignalTypes(extended: boolean): SignalType[] {
  return extended ? ['pdq', 'md5', 'vpdq'] : ['pdq', 'md5'];
}

export const caseStatuses = ['Unknown', 'Received', 'Active', 'Withdrawn', 'Deleted'] as const;
export type CaseStatusName = (typeof caseStatuses)[number];

export const feedbackValues = [
  'Unknown',
  'None',
  'QualityUnknown',
  'Withdrawn',
  'Deleted',
  'PendingReview',
  'Blocked',
  'NotBlocked',
] as const;
export type FeedbackValue = (typeof feedbackValues)[number];

/** Internal status words -> what people and partners read. */
export type InternalStatus = 'received' | 'active' | 'withdrawn';
export const statusName: Record<InternalStatus, 'Received' | 'Active' | 'Withdrawn'> = {
  received: 'Received',
  active: 'Active',
  withdrawn: 'Withdrawn',
};
