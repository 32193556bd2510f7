export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable, launchChromium } from './chromium.js';
export { seededRandom } from './random.js';
