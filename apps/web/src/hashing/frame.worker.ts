/// <reference lib="webworker" />
/**
 * PDQ of video frames for vPDQ. Frames are read on the page (an HTMLVideoElement is needed to
 * decode them); their pixels are transferred here so hashing never blocks the UI.
 */
import { type FrameHashScope, serveFrameHashes } from '@unseen/media-browser';

serveFrameHashes(self as unknown as FrameHashScope);
