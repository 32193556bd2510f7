/**
 * Timestamps exactly as the reference writes them: `(float)frameNumber / (float)fps`
 * (float32 division), printed by iostream `std::fixed << std::setprecision(3)`.
 */

/** Float32 timestamp of frame `frameNumber` at `fps` frames per second. */
export function frameTimestamp(frameNumber: number, fps: number): number {
  // A double division of two float32 values rounded once to float32 equals the float32 division.
  return Math.fround(Math.fround(frameNumber) / Math.fround(fps));
}

const scratch = new DataView(new ArrayBuffer(8));

/** A timestamp as the reference prints it: `printf("%.3f")`. */
export function formatTimestamp(value: number): string {
  return formatFixed(value, 3);
}

/**
 * `printf("%.Nf")` of a double: glibc rounds the exact binary value, ties to even.
 * `Number#toFixed` rounds ties away from zero (e.g. 0.0625 -> "0.063" where C prints "0.062"),
 * and float32 frame timestamps such as n/16 or n/8 are exact ties, so we round the exact value.
 */
export function formatFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`value must be finite, got ${value}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) throw new RangeError(`bad decimals ${decimals}`);
  const negative = value < 0 || Object.is(value, -0);
  scratch.setFloat64(0, Math.abs(value));
  const bits = scratch.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // value = mantissa * 2^exponent exactly.
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  const scaled = mantissa * 10n ** BigInt(decimals);
  let units: bigint;
  if (exponent >= 0) {
    units = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    units = scaled >> shift;
    const remainder = scaled - (units << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (units & 1n) === 1n)) units += 1n;
  }
  if (decimals === 0) return `${negative ? '-' : ''}${units}`;
  const digits = units.toString().padStart(decimals + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
