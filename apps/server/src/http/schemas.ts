import { z } from 'zod';
import { bankErrorCodes } from '../errors.js';
import { caseStatuses, feedbackValues, signalTypes } from '../domain/signalTypes.js';

export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(bankErrorCodes as [string, ...string[]]),
      message: z.string(),
      details: z
        .array(z.object({ index: z.number().int().optional(), code: z.string(), message: z.string() }))
        .optional(),
    }),
  })
  .meta({ id: 'Error' });

// UnderReview: a hash the bank withholds from partners pending an operator's review
// (src/abuse); shown to the person as a neutral state, never with the reason.
const personStatus = z.enum(['Received', 'Active', 'Withdrawn', 'UnderReview']);

export const createCaseBody = z.object({
  pin: z.string().max(200).describe('At least 6 characters; not all the same, not a sequence, not a common PIN.'),
  hashes: z
    .array(
      z.object({
        signalType: z.enum(signalTypes),
        value: z.string().max(1_000_000),
        quality: z.number().int().min(0).max(100).nullable().optional(),
      }),
    )
    .max(10_000),
  consent: z
    .object({
      over18: z.boolean().optional(),
      inContent: z.boolean().optional(),
      intimate: z.boolean().optional(),
      agreesToTerms: z.boolean().optional(),
    })
    .optional()
    .describe('All four must be true.'),
});

export const createdCase = z.object({
  caseNumber: z.string().describe('Show it to the person: with the PIN it is the only way back to the case.'),
  status: personStatus,
  createdAt: z.string(),
  hashes: z.array(z.object({ signalType: z.enum(signalTypes), value: z.string(), status: personStatus })),
});

export const pinBody = z.object({ pin: z.string().max(200) });
export const caseParams = z.object({ caseNumber: z.string().max(64) });

export const caseView = z.object({
  caseNumber: z.string(),
  status: personStatus,
  createdAt: z.string(),
  hashes: z.array(
    z.object({
      signalType: z.enum(signalTypes),
      value: z.string(),
      quality: z.number().int().nullable(),
      status: personStatus,
      feedback: z.object({
        matched: z.number().int().describe('Partners that reported a match (pending review, removed or kept).'),
        removed: z.number().int(),
        reviewedNotRemoved: z.number().int(),
        lastReportedAt: z.string().nullable(),
      }),
    }),
  ),
  timeline: z.array(z.object({ at: z.string(), event: z.string() })),
});

export const fetchHashesQuery = z.object({
  startTimestamp: z.coerce.number().int().min(0).optional().describe('Unix seconds, inclusive. First call: 10.'),
  pageSize: z.coerce.number().int().min(1).default(800),
  nextPageToken: z.string().max(1000).optional(),
});

const feedbackValue = z.enum(feedbackValues);

export const hashRecord = z.object({
  lastModtimestamp: z.number().int(),
  signalType: z.string().describe('ImagePDQ, VideoMD5; VideoVPDQ only for partners with extended types.'),
  hashValue: z.string(),
  hashStatus: z.enum(caseStatuses),
  caseNumbers: z.record(z.string(), z.enum(caseStatuses)),
  CSPFeedbacks: z.array(z.object({ source: z.string(), feedbackValue, tags: z.array(z.string()) })),
});

export const fetchHashesResponse = z.object({
  count: z.number().int(),
  nextPageToken: z.string().nullable(),
  nextSetTimestamp: z.number().int(),
  hasMoreRecords: z.boolean(),
  hashRecords: z.array(hashRecord),
});

export const submitFeedbackBody = z.object({
  count: z.number().int().optional(),
  hashFeedbacks: z
    .array(
      z.object({
        hashValue: z.string().max(1_000_000),
        feedbackValue,
        tags: z.array(z.string().max(200)).max(50).default([]),
      }),
    )
    .max(10_000),
});

export const submitFeedbackResponse = z.object({
  count: z.number().int(),
  accepted: z.number().int(),
  unknownHashValues: z.array(z.string()),
});

export const submitHashesBody = z.object({
  count: z.number().int().optional(),
  hashRecords: z
    .array(
      z.object({
        lastModtimestamp: z.number().int().optional(),
        signalType: z.string().max(100).describe('ImagePDQ or StopNCIISignalType.ImagePDQ (both accepted).'),
        hashValue: z.string().max(1_000_000),
        CSPFeedbacks: z
          .array(
            z.object({
              tags: z.array(z.string().max(200)).max(50).optional(),
              feedbackValue: feedbackValue.optional(),
            }),
          )
          .optional(),
      }),
    )
    .max(10_000),
});

export const submitHashesResponse = z.object({
  count: z.number().int(),
  accepted: z.number().int(),
  hashRecords: z.array(z.object({ signalType: z.string(), hashValue: z.string(), hashStatus: z.enum(caseStatuses) })),
});

export const partnerHeaders = z.object({
  authorization: z.string().optional().describe('Bearer <API key>'),
  'ocp-apim-subscription-key': z.string().optional().describe('<API key> (StopNCII clients)'),
  'x-functions-key': z.string().optional().describe('Sent by StopNCII clients; accepted and ignored.'),
});
