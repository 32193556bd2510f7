/**
 * Frame rate and frame count of the first video track of an MP4/MOV (ISO BMFF) file, read from
 * the `moov` box only. Browsers do not expose a video's frame rate, and vPDQ's sampling and
 * timestamps depend on it; ffprobe derives `avg_frame_rate` from the same boxes.
 */

export interface ContainerVideoTrack {
  fps: number;
  frameCount: number;
  durationSeconds: number;
}

/** A `moov` larger than this is not believable for the videos we hash; refuse rather than allocate. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

interface Box {
  type: string;
  start: number; // offset of the payload
  end: number;
}

function boxes(view: DataView, start: number, end: number): Box[] {
  const found: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(
      view.getUint8(offset + 4),
      view.getUint8(offset + 5),
      view.getUint8(offset + 6),
      view.getUint8(offset + 7),
    );
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      size = Number(view.getBigUint64(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) break;
    found.push({ type, start: offset + header, end: offset + size });
    offset += size;
  }
  return found;
}

function child(view: DataView, parent: Box, type: string): Box | undefined {
  return boxes(view, parent.start, parent.end).find((box) => box.type === type);
}

async function findTopLevelBox(file: Blob, type: string): Promise<Box | null> {
  let offset = 0;
  while (offset + 8 <= file.size) {
    const head = new DataView(await file.slice(offset, offset + 16).arrayBuffer());
    let size = head.getUint32(0);
    const boxType = String.fromCharCode(head.getUint8(4), head.getUint8(5), head.getUint8(6), head.getUint8(7));
    let header = 8;
    if (size === 1 && head.byteLength >= 16) {
      size = Number(head.getBigUint64(8));
      header = 16;
    } else if (size === 0) {
      size = file.size - offset;
    }
    if (size < header) return null;
    if (boxType === type) return { type, start: offset + header, end: Math.min(file.size, offset + size) };
    offset += size;
  }
  return null;
}

function videoTrack(view: DataView, moov: Box): ContainerVideoTrack | null {
  for (const trak of boxes(view, moov.start, moov.end).filter((box) => box.type === 'trak')) {
    const mdia = child(view, trak, 'mdia');
    const hdlr = mdia && child(view, mdia, 'hdlr');
    // hdlr: version/flags (4), pre_defined (4), handler_type (4)
    if (!mdia || !hdlr || hdlr.end - hdlr.start < 12) continue;
    const handler = String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + hdlr.start + 8, 4));
    if (handler !== 'vide') continue;
    const mdhd = child(view, mdia, 'mdhd');
    const minf = child(view, mdia, 'minf');
    const sampleTable = minf && child(view, minf, 'stbl');
    const stsz = sampleTable && (child(view, sampleTable, 'stsz') ?? child(view, sampleTable, 'stz2'));
    const stts = sampleTable && child(view, sampleTable, 'stts');
    if (!mdhd || !stsz || !stts) return null;
    const version = view.getUint8(mdhd.start);
    const timescale = view.getUint32(mdhd.start + (version === 1 ? 20 : 12));
    const duration = version === 1 ? Number(view.getBigUint64(mdhd.start + 24)) : view.getUint32(mdhd.start + 16);
    const frameCount = view.getUint32(stsz.start + 8);
    // stts: version/flags (4), entry_count (4), then (sample_count, sample_delta) pairs.
    const entries = view.getUint32(stts.start + 4);
    const firstDelta = entries > 0 ? view.getUint32(stts.start + 12) : 0;
    const secondCount = entries === 2 ? view.getUint32(stts.start + 16) : 0;
    // As FFmpeg's mov demuxer: a uniform sample duration gives timescale / delta; otherwise the mean.
    const uniform = entries === 1 || (entries === 2 && secondCount === 1);
    const fps = uniform && firstDelta > 0 ? timescale / firstDelta : (frameCount * timescale) / duration;
    if (!timescale || !frameCount || !Number.isFinite(fps) || fps <= 0) return null;
    return { fps, frameCount, durationSeconds: duration / timescale };
  }
  return null;
}

/** The first video track's timing, or null when the file is not ISO BMFF or has no usable video track. */
export async function readContainerVideoTrack(file: Blob): Promise<ContainerVideoTrack | null> {
  try {
    const moov = await findTopLevelBox(file, 'moov');
    if (!moov || moov.end - moov.start > MAX_MOOV_BYTES) return null;
    const view = new DataView(await file.slice(moov.start, moov.end).arrayBuffer());
    return videoTrack(view, { type: 'moov', start: 0, end: view.byteLength });
  } catch {
    return null;
  }
}
