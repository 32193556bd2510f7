export { chromiumAvailable, launchChromium } from '@unseen/test-support';
