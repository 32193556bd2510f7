import { useCallback, useEffect, useRef, useState } from 'react';
import type { SubmittedHash } from '../api.js';
import { HashingClient, HashingError } from './client.js';
import type { MediaKind } from './protocol.js';
import { VideoHasher } from './video.js';

/** Share of a video's progress bar given to MD5 (reading the file); the rest is vPDQ (decoding frames). */
const MD5_SHARE = 0.2;

/** Below this PDQ quality the reference considers a hash unreliable (flat or tiny images). */
export const MIN_PDQ_QUALITY = 50;

export type FileState = 'queued' | 'hashing' | 'ready' | 'excluded';
export type ExclusionReason = 'undecodable' | 'lowQuality' | 'failed';

export interface FileEntry {
  id: number;
  name: string;
  size: number;
  kind: MediaKind;
  /** Object URL for the local preview; revoked when the entry is removed or the flow ends. */
  previewUrl: string;
  state: FileState;
  progress: number;
  reason?: ExclusionReason;
  quality?: number;
  /** A video whose frames this browser could not decode: sent with its MD5 only (exact copies). */
  md5Only?: boolean;
  hashes: SubmittedHash[];
}

const VIDEO_EXTENSIONS = /\.(mp4|m4v|webm|mov|qt|mkv|avi)$/i;

export function mediaKindOf(file: File): MediaKind {
  return file.type.startsWith('video/') || VIDEO_EXTENSIONS.test(file.name) ? 'video' : 'image';
}

/**
 * Keeps the person's files, their previews and hashing state. The File objects stay
 * in this hook and the worker; only `hashes` ever leave it.
 */
export function useFileHashing() {
  const [entries, setEntries] = useState<FileEntry[]>([]);
  const clientRef = useRef<HashingClient | null>(null);
  const videoRef = useRef<VideoHasher | null>(null);
  const abortRef = useRef(new AbortController());
  const urlsRef = useRef(new Map<number, string>());
  const nextId = useRef(1);

  const update = useCallback((id: number, patch: Partial<FileEntry>) => {
    setEntries((current) => current.map((entry) => (entry.id === id ? { ...entry, ...patch } : entry)));
  }, []);

  const client = useCallback(() => {
    clientRef.current ??= new HashingClient();
    return clientRef.current;
  }, []);

  const addFiles = useCallback(
    (files: Iterable<File>) => {
      const added: { entry: FileEntry; file: File }[] = [];
      for (const file of files) {
        const id = nextId.current++;
        const previewUrl = URL.createObjectURL(file);
        urlsRef.current.set(id, previewUrl);
        const entry: FileEntry = {
          id,
          name: file.name,
          size: file.size,
          kind: mediaKindOf(file),
          previewUrl,
          state: 'queued',
          progress: 0,
          hashes: [],
        };
        added.push({ entry, file });
      }
      setEntries((current) => [...current, ...added.map(({ entry }) => entry)]);
      for (const { entry, file } of added) {
        client()
          .hash(file, entry.kind, {
            onProgress: (fraction) =>
              update(entry.id, {
                state: 'hashing',
                progress: entry.kind === 'video' ? fraction * MD5_SHARE : fraction,
              }),
          })
          .then(async ({ result }) => {
            if (result.kind === 'image') {
              if (result.quality < MIN_PDQ_QUALITY) {
                update(entry.id, { state: 'excluded', reason: 'lowQuality', quality: result.quality, progress: 1 });
              } else {
                update(entry.id, {
                  state: 'ready',
                  progress: 1,
                  quality: result.quality,
                  hashes: [{ signalType: 'pdq', value: result.pdq, quality: result.quality }],
                });
              }
            } else {
              const hashes: SubmittedHash[] = [{ signalType: 'md5', value: result.md5 }];
              videoRef.current ??= new VideoHasher();
              const vpdq = await videoRef.current.vpdq(file, {
                signal: abortRef.current.signal,
                onProgress: (fraction) => update(entry.id, { progress: MD5_SHARE + (1 - MD5_SHARE) * fraction }),
              });
              if (vpdq) hashes.push({ signalType: 'vpdq', value: vpdq });
              update(entry.id, { state: 'ready', progress: 1, hashes, md5Only: vpdq === null });
            }
          })
          .catch((error: unknown) => {
            if (error instanceof HashingError && error.code === 'CANCELLED') return;
            if (abortRef.current.signal.aborted) return;
            const reason: ExclusionReason =
              error instanceof HashingError && (error.code === 'UNDECODABLE' || error.code === 'EMPTY')
                ? 'undecodable'
                : 'failed';
            update(entry.id, { state: 'excluded', reason, progress: 1 });
          });
      }
    },
    [client, update],
  );

  const removeFile = useCallback((id: number) => {
    const url = urlsRef.current.get(id);
    if (url) URL.revokeObjectURL(url);
    urlsRef.current.delete(id);
    setEntries((current) => current.filter((entry) => entry.id !== id));
  }, []);

  /** Forget every file and preview: called once the hashes are safely submitted. */
  const clear = useCallback(() => {
    for (const url of urlsRef.current.values()) URL.revokeObjectURL(url);
    urlsRef.current.clear();
    clientRef.current?.terminate();
    clientRef.current = null;
    abortRef.current.abort();
    abortRef.current = new AbortController();
    videoRef.current?.terminate();
    videoRef.current = null;
    setEntries([]);
  }, []);

  useEffect(() => {
    const urls = urlsRef.current;
    return () => {
      for (const url of urls.values()) URL.revokeObjectURL(url);
      clientRef.current?.terminate();
      abortRef.current.abort();
      videoRef.current?.terminate();
    };
  }, []);

  return { entries, addFiles, removeFile, clear };
}
