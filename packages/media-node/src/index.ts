export { fileSystemError, isMediaError, MEDIA_ERROR_CODES, MediaError, type MediaErrorCode } from './errors.js';
export {
  type DecodedImage,
  type DecodeOptions,
  decodeImageBytes,
  decodeImageFile,
  type ImageFormat,
  isHeic,
  MAX_IMAGE_PIXELS,
  readImageBytes,
} from './image-decode.js';
export {
  hashImageFile,
  hashImageFileTimed,
  type ImageHash,
  type ImageHashOptions,
  type ImageHashTiming,
} from './image-hash.js';
export { md5File } from './md5.js';
// Video (vPDQ): ffprobe/ffmpeg frame streaming and hashing.
export { type HashVideoOptions, hashVideoFile, type VideoHashProgress, type VideoHashResult } from './video.js';
export { isVideoError, VideoError, type VideoErrorCode } from './video-errors.js';
export { readVideoFrames, type ReadVideoFramesOptions, type VideoDecodeMode, type VideoFrame } from './video-frames.js';
export { countVideoPackets, probeVideo, type VideoInfo, type VideoTools } from './video-probe.js';
export {
  type HashImageFilesOptions,
  hashImageFiles,
  ImageHashPool,
  type ImageJobResult,
  type JobError,
} from './image-pool.js';
