import { z } from 'zod';

/** Enums exactly as the StopNCII partner API spells them, plus Unseen's opt-in `VideoVPDQ`. */
export const SIGNAL_TYPES = ['Unknown', 'ImagePDQ', 'VideoMD5', 'VideoTMK', 'Text', 'URL', 'VideoVPDQ'] as const;
export const CASE_STATUSES = ['Unknown', 'Received', 'Active', 'Withdrawn', 'Deleted'] as const;
export const FEEDBACK_VALUES = [
  'Unknown',
  'None',
  'QualityUnknown',
  'Withdrawn',
  'Deleted',
  'PendingReview',
  'Blocked',
  'NotBlocked',
] as const;

export const SignalTypeSchema = z.enum(SIGNAL_TYPES);
export const CaseStatusSchema = z.enum(CASE_STATUSES);
export const FeedbackValueSchema = z.enum(FEEDBACK_VALUES);
export type SignalType = z.infer<typeof SignalTypeSchema>;
export type CaseStatus = z.infer<typeof CaseStatusSchema>;
export type FeedbackValue = z.infer<typeof FeedbackValueSchema>;

/** The signal types this toolkit can match. Others are stored but never indexed. */
export const MATCHABLE_SIGNAL_TYPES = ['ImagePDQ', 'VideoMD5', 'VideoVPDQ'] as const;
export type MatchableSignalType = (typeof MATCHABLE_SIGNAL_TYPES)[number];

/** A status that means "the client should delete it". */
export function isRemoval(status: CaseStatus): boolean {
  return status === 'Withdrawn' || status === 'Deleted';
}

const unixSeconds = z.number().int().nonnegative();

export const CspFeedbackSchema = z.object({
  source: z.string().optional(),
  feedbackValue: FeedbackValueSchema,
  tags: z.array(z.string()).default([]),
});
export type CspFeedback = z.infer<typeof CspFeedbackSchema>;

export const HashRecordSchema = z.object({
  lastModtimestamp: unixSeconds,
  // A signal type this client does not know is kept (and never matched) rather than failing the page:
  // the bank may add types, and the Python client's habit of dropping such records silently is worse.
  signalType: z.string().min(1),
  hashValue: z.string().min(1),
  hashStatus: CaseStatusSchema,
  caseNumbers: z.record(z.string(), CaseStatusSchema),
  CSPFeedbacks: z.array(CspFeedbackSchema).optional(),
  hashRegions: z.array(z.string()).optional(),
});
export type HashRecord = z.infer<typeof HashRecordSchema>;

export const FetchHashesResponseSchema = z.object({
  count: z.number().int().nonnegative(),
  nextPageToken: z.string().nullable().optional(),
  nextSetTimestamp: unixSeconds,
  hasMoreRecords: z.boolean(),
  hashRecords: z.array(HashRecordSchema),
});
export type FetchHashesResponse = z.infer<typeof FetchHashesResponseSchema>;

export interface HashFeedback {
  hashValue: string;
  feedbackValue: FeedbackValue;
  tags?: string[];
}

export interface SubmittedHash {
  signalType: SignalType;
  hashValue: string;
  /** Defaults to now. */
  lastModtimestamp?: number;
  feedbackValue?: FeedbackValue;
  tags?: string[];
}

/** POST answers are JSON; the bank's exact body is not part of the StopNCII contract, so accept any object. */
export const PostResponseSchema = z.record(z.string(), z.unknown());
export type PostResponse = z.infer<typeof PostResponseSchema>;

/** Unseen's error envelope (`{ error: { code, message } }`), read to give callers the bank's own code. */
export const ErrorEnvelopeSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
