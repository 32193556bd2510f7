/**
 * EXIF orientation. The PDQ reference hashes pixels in stored order and ignores the
 * orientation tag, but Chromium's createImageBitmap applies it even when asked for
 * `imageOrientation: 'none'`. We read the tag ourselves, probe once whether the
 * decoder applied it, and sample the stored pixel order back out of the decoded bitmap.
 */

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** Bytes at the head of a file that can hold the orientation tag (JPEG APP1, PNG eXIf before IDAT). */
export const ORIENTATION_HEAD_BYTES = 256 * 1024;

function tiffOrientation(view: DataView, start: number, end: number): Orientation {
  if (start + 8 > end) return 1;
  const order = view.getUint16(start);
  const little = order === 0x4949;
  if (!little && order !== 0x4d4d) return 1;
  const ifd = start + view.getUint32(start + 4, little);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? (value as Orientation) : 1;
    }
  }
  return 1;
}

function jpegOrientation(view: DataView): Orientation {
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return 1;
    const marker = view.getUint8(offset + 1);
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return 1; // image data starts: no APP1 before it
    const length = view.getUint16(offset + 2);
    const body = offset + 4;
    // "Exif\0\0" then a TIFF block.
    if (marker === 0xe1 && body + 6 <= view.byteLength && view.getUint32(body) === 0x45786966) {
      return tiffOrientation(view, body + 6, Math.min(view.byteLength, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return 1;
}

function pngOrientation(view: DataView): Orientation {
  let offset = 8;
  while (offset + 8 <= view.byteLength) {
    const length = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    if (type === 0x65584966) return tiffOrientation(view, offset + 8, Math.min(view.byteLength, offset + 8 + length)); // eXIf
    if (type === 0x49444154 || type === 0x49454e44) return 1; // IDAT / IEND
    offset += 12 + length;
  }
  return 1;
}

/** The EXIF orientation tag of a JPEG or PNG (1 when absent or for other formats). */
export function readOrientation(head: Uint8Array): Orientation {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length >= 4 && view.getUint16(0) === 0xffd8) return jpegOrientation(view);
  if (head.length >= 8 && view.getUint32(0) === 0x89504e47) return pngOrientation(view);
  return 1;
}

export function isJpeg(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

/** A 16x8 JPEG tagged orientation 6: a decoder that applies the tag returns 8x16. */
const PROBE_JPEG_BASE64 =
  '/9j/4QC8RXhpZgAASUkqAAgAAAAGABIBAwABAAAABgAAABoBBQABAAAAVgAAABsBBQABAAAAXgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAZgAAAAAAAAA4YwAA6AMAADhjAADoAwAABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAABAAAAADoAQAAQAAAAgAAAAAAAAA/9sAQwAQCwwODAoQDg0OEhEQExgoGhgWFhgxIyUdKDozPTw5Mzg3QEhcTkBEV0U3OFBtUVdfYmdoZz5NcXlwZHhcZWdj/9sAQwEREhIYFRgvGhovY0I4QmNjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj/8AAEQgACAAQAwEiAAIRAQMRAf/EABQAAQAAAAAAAAAAAAAAAAAAAAD/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AAAP/9k=';

let probe: Promise<boolean> | undefined;

/** Whether createImageBitmap applies EXIF orientation despite the options given (probed once). */
export function decoderAppliesOrientation(options: ImageBitmapOptions): Promise<boolean> {
  probe ??= (async () => {
    const bytes = Uint8Array.from(atob(PROBE_JPEG_BASE64), (c) => c.charCodeAt(0));
    try {
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), options);
      const applied = bitmap.width === 8 && bitmap.height === 16;
      bitmap.close();
      return applied;
    } catch {
      return false;
    }
  })();
  return probe;
}

/**
 * Nearest-neighbour resample from a decoded (displayed) RGBA image back to stored pixel order,
 * to outWidth x outHeight, with the reference's rule src = floor(dst * size / out). `storedWidth`
 * and `storedHeight` are the file's own dimensions (swapped relative to the bitmap for 5..8).
 */
export function sampleStored(
  displayed: Uint8ClampedArray,
  displayedWidth: number,
  orientation: Orientation,
  storedWidth: number,
  storedHeight: number,
  outWidth: number,
  outHeight: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(outWidth * outHeight * 4);
  const src32 = new Uint32Array(displayed.buffer, displayed.byteOffset, displayed.length >> 2);
  const out32 = new Uint32Array(out.buffer);
  const xs = new Uint32Array(outWidth);
  for (let x = 0; x < outWidth; x++) xs[x] = Math.floor((x * storedWidth) / outWidth);
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.floor((y * storedHeight) / outHeight);
    for (let x = 0; x < outWidth; x++) {
      const sx = xs[x];
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2:
          dx = storedWidth - 1 - sx;
          dy = sy;
          break;
        case 3:
          dx = storedWidth - 1 - sx;
          dy = storedHeight - 1 - sy;
          break;
        case 4:
          dx = sx;
          dy = storedHeight - 1 - sy;
          break;
        case 5:
          dx = sy;
          dy = sx;
          break;
        case 6:
          dx = storedHeight - 1 - sy;
          dy = sx;
          break;
        case 7:
          dx = storedHeight - 1 - sy;
          dy = storedWidth - 1 - sx;
          break;
        case 8:
          dx = sy;
          dy = storedWidth - 1 - sx;
          break;
        default:
          dx = sx;
          dy = sy;
      }
      out32[y * outWidth + x] = src32[dy * displayedWidth + dx];
    }
  }
  return out;
}

/** A 2D affine map [a, b, c, d, e, f] as in CanvasRenderingContext2D.setTransform: x' = a x + c y + e, y' = b x + d y + f. */
export type Affine = [number, number, number, number, number, number];

/**
 * Below the reference grid's smallest fractional step (1/512) and well above float error, so
 * floor() of the sampled coordinate lands on exactly the reference's source pixel.
 */
const GRID_NUDGE = 1 / 2048;

/**
 * The canvas transform that makes nearest-neighbour drawImage of the decoded (displayed) bitmap
 * produce the reference's samples: output pixel (x, y) takes stored pixel
 * (floor(x * storedWidth / outWidth), floor(y * storedHeight / outHeight)), mapped through the
 * orientation the decoder applied. The canvas samples at pixel centres (x + 0.5), hence the offsets.
 */
export function samplingTransform(
  orientation: Orientation,
  storedWidth: number,
  storedHeight: number,
  outWidth: number,
  outHeight: number,
): Affine {
  const kx = storedWidth / outWidth;
  const ky = storedHeight / outHeight;
  // Stored column/row as a function of the output pixel centre X (or Y): [coefficient, constant].
  const sx: [number, number] = [kx, GRID_NUDGE - 0.5 * kx];
  const sxFlipped: [number, number] = [-kx, storedWidth - GRID_NUDGE + 0.5 * kx];
  const sy: [number, number] = [ky, GRID_NUDGE - 0.5 * ky];
  const syFlipped: [number, number] = [-ky, storedHeight - GRID_NUDGE + 0.5 * ky];
  // Displayed u (column) and v (row), each driven by X ('x') or Y ('y').
  const table: Record<Orientation, [[number, number], 'x' | 'y', [number, number], 'x' | 'y']> = {
    1: [sx, 'x', sy, 'y'],
    2: [sxFlipped, 'x', sy, 'y'],
    3: [sxFlipped, 'x', syFlipped, 'y'],
    4: [sx, 'x', syFlipped, 'y'],
    5: [sy, 'y', sx, 'x'],
    6: [syFlipped, 'y', sx, 'x'],
    7: [syFlipped, 'y', sxFlipped, 'x'],
    8: [sy, 'y', sxFlipped, 'x'],
  };
  const [uTerm, uAxis, vTerm, vAxis] = table[orientation];
  // Inverse map (output -> displayed): u = p X + q Y + r, v = s X + t Y + w.
  const p = uAxis === 'x' ? uTerm[0] : 0;
  const q = uAxis === 'y' ? uTerm[0] : 0;
  const r = uTerm[1];
  const s = vAxis === 'x' ? vTerm[0] : 0;
  const t = vAxis === 'y' ? vTerm[0] : 0;
  const w = vTerm[1];
  const det = p * t - q * s;
  const a = t / det;
  const c = -q / det;
  const b = -s / det;
  const d = p / det;
  return [a, b, c, d, -(a * r + c * w), -(b * r + d * w)];
}
