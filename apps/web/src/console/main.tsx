// The operator console: a separate page (/console/) and bundle, so the person's
// app never ships console code. Shares the design system and i18n set-up.
import i18next from 'i18next';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../i18n.js';
import '../styles/tokens.css';
import '../styles/base.css';
import '../styles/components.css';
import { ConsoleApp } from './ConsoleApp.js';
import './console.css';
import en from './locales/en.json';

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');

void initI18n().then(() => {
  // Console text lives in its own namespace; operators get English where a
  // language has no console catalogue yet.
  i18next.addResourceBundle('en', 'console', en);
  createRoot(root).render(
    <StrictMode>
      <ConsoleApp />
    </StrictMode>,
  );
});
