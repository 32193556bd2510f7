import { fromHex } from '@unseen/pdq';
import { decodeCompact } from '@unseen/vpdq';
import type { MatchableSignalType } from '../api/schemas.js';
import { PartnerError } from '../errors.js';
import type { HashedMedia } from '../media.js';
import { isMd5Hex, isPdqHex, type Match, type Matcher } from './core.js';

export interface QueryHash {
  signalType: MatchableSignalType;
  hash: string;
  quality?: number;
}

/** One answer for one upload or hash: what was computed, and every bank hash it matched. */
export interface MatchOutcome {
  matched: boolean;
  query: { kind: 'image' | 'video' | 'hash'; hashes: QueryHash[] };
  matches: Match[];
}

const SIGNAL_ALIASES: Record<string, MatchableSignalType> = {
  ImagePDQ: 'ImagePDQ',
  pdq: 'ImagePDQ',
  VideoMD5: 'VideoMD5',
  md5: 'VideoMD5',
  VideoVPDQ: 'VideoVPDQ',
  vpdq: 'VideoVPDQ',
};

export function matchHashValue(matcher: Matcher, signalType: string, value: string, threshold?: number): MatchOutcome {
  const type = SIGNAL_ALIASES[signalType];
  if (!type)
    throw new PartnerError('CONFIG_INVALID', `unknown signal type ${signalType}; use ImagePDQ, VideoMD5 or VideoVPDQ`);
  let matches: Match[];
  let hash = value;
  if (type === 'ImagePDQ') {
    hash = value.toLowerCase();
    if (!isPdqHex(hash)) throw new PartnerError('CONFIG_INVALID', 'a PDQ hash is 64 hexadecimal characters');
    matches = matcher.matchPdq([{ hash: fromHex(hash) }], threshold);
  } else if (type === 'VideoMD5') {
    hash = value.toLowerCase();
    if (!isMd5Hex(hash)) throw new PartnerError('CONFIG_INVALID', 'an MD5 is 32 hexadecimal characters');
    matches = matcher.matchMd5(hash);
  } else {
    let frames: ReturnType<typeof decodeCompact>;
    try {
      frames = decodeCompact(value);
    } catch (cause) {
      throw new PartnerError('CONFIG_INVALID', `not a compact vPDQ value: ${(cause as Error).message}`, { cause });
    }
    matches = matcher.matchVpdq(frames);
  }
  return { matched: matches.length > 0, query: { kind: 'hash', hashes: [{ signalType: type, hash }] }, matches };
}

export function matchMedia(matcher: Matcher, media: HashedMedia): MatchOutcome {
  if (media.kind === 'image') {
    const original = media.variants[0];
    const matches = [...matcher.matchPdq(media.variants), ...matcher.matchMd5(media.md5)];
    return {
      matched: matches.length > 0,
      query: {
        kind: 'image',
        hashes: [
          ...(original ? [{ signalType: 'ImagePDQ' as const, hash: original.hex, quality: media.quality }] : []),
          { signalType: 'VideoMD5', hash: media.md5 },
        ],
      },
      matches,
    };
  }
  const matches = [...matcher.matchMd5(media.md5), ...matcher.matchVpdq(media.frames)];
  return {
    matched: matches.length > 0,
    query: { kind: 'video', hashes: [{ signalType: 'VideoMD5', hash: media.md5 }] },
    matches,
  };
}
