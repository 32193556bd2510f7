export {
  type DecodedPixels,
  type DecodeOptions,
  decodeImageForPdq,
  ImageDecodeError,
  type ImageDecodeErrorCode,
  SQUASH_SIZE,
  type SquashMode,
  squashNearest,
  toReferenceChannels,
} from './image.js';
export { MD5_CHUNK_BYTES, type Md5Options, md5Blob } from './md5.js';
export {
  decoderAppliesOrientation,
  type Orientation,
  readOrientation,
  sampleStored,
  samplingTransform,
  type Affine,
} from './orientation.js';
// Video (vPDQ)
export {
  ASSUMED_FPS,
  type BrowserFrameHasher,
  BrowserVideoError,
  type BrowserVideoErrorCode,
  type BrowserVideoHashOptions,
  type BrowserVideoHashResult,
  type BrowserVideoProgress,
  hashVideoInBrowser,
} from './video.js';
export { type ContainerVideoTrack, readContainerVideoTrack } from './video-container.js';
export { createWorkerFrameHasher, type FrameHashScope, serveFrameHashes } from './video-worker.js';
