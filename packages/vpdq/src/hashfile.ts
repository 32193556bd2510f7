import { fromHex } from '@unseen/pdq';
import { VpdqError } from './errors.js';
import type { VpdqFeature } from './feature.js';
import { formatTimestamp } from './timestamp.js';

const HEX64 = /^[0-9a-f]{64}$/;
const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** One line of the reference format: `frameNumber,quality,pdqHex,timestamp` (timestamp with 3 decimals). */
export function formatHashLine(feature: VpdqFeature): string {
  return `${feature.frameNumber},${feature.quality},${feature.hex},${formatTimestamp(feature.timestamp)}`;
}

/** The whole file as `vpdq-hash-video` writes it: one line per hashed frame, each ending in `\n`. */
export function formatHashFile(features: readonly VpdqFeature[]): string {
  let text = '';
  for (const feature of features) text += `${formatHashLine(feature)}\n`;
  return text;
}

/**
 * Parse a reference hash file. Strict where the reference is lenient (it `stoi`s whatever it gets):
 * a malformed line is an error naming the line, never a silently wrong hash.
 * Upper-case hex is accepted and normalised to lower case.
 */
export function parseHashFile(text: string): VpdqFeature[] {
  const features: VpdqFeature[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new VpdqError('HASH_FILE_INVALID', `line ${index + 1}: ${why}: ${JSON.stringify(line.slice(0, 120))}`);
    };
    const fields = line.split(',');
    if (fields.length !== 4) fail(`expected 4 comma-separated fields, got ${fields.length}`);
    const [frameField, qualityField, hexField, timestampField] = fields as [string, string, string, string];
    if (!INTEGER.test(frameField)) fail('frame number is not a non-negative integer');
    if (!INTEGER.test(qualityField)) fail('quality is not an integer');
    const quality = Number(qualityField);
    if (quality > 100) fail('quality is over 100');
    const hex = hexField.toLowerCase();
    if (!HEX64.test(hex)) fail('hash is not 64 hex characters');
    if (!DECIMAL.test(timestampField)) fail('timestamp is not a non-negative decimal');
    features.push({
      frameNumber: Number(frameField),
      quality,
      hash: fromHex(hex),
      hex,
      timestamp: Number(timestampField),
    });
  });
  return features;
}
