import type { ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type LanguageCode, rememberLanguage } from '../i18n.js';

export function Header({ page }: { page: 'flow' | 'case' }) {
  const { t, i18n } = useTranslation();
  const onLanguage = (event: ChangeEvent<HTMLSelectElement>) => {
    const code = event.target.value as LanguageCode;
    rememberLanguage(code);
    void i18n.changeLanguage(code);
  };
  return (
    <header className="site-header">
      <div className="container site-header__inner">
        <a className="brand" href="#/">
          {t('app.name')}
        </a>
        <nav className="nav" aria-label={t('app.name')}>
          <a href="#/" aria-current={page === 'flow' ? 'page' : undefined}>
            {t('app.navReport')}
          </a>
          <a href="#/case" aria-current={page === 'case' ? 'page' : undefined}>
            {t('app.navCase')}
          </a>
          <label className="cluster">
            <span>{t('app.language')}</span>
            <select
              className="select select--compact"
              value={i18n.resolvedLanguage}
              onChange={onLanguage}
              data-testid="language"
            >
              {LANGUAGES.map((language) => (
                <option key={language.code} value={language.code} lang={language.code}>
                  {language.name}
                </option>
              ))}
            </select>
          </label>
        </nav>
      </div>
    </header>
  );
}
