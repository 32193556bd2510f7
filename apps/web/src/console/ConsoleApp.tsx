import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConsoleApiError, consoleApi, type Operator, setCsrfToken } from './api.js';
import { Account } from './pages/Account.js';
import { AllowList } from './pages/AllowList.js';
import { Audit } from './pages/Audit.js';
import { Dashboard } from './pages/Dashboard.js';
import { Login } from './pages/Login.js';
import { Partners } from './pages/Partners.js';
import { Review } from './pages/Review.js';
import { ErrorAlert } from './ui.js';

const VIEWS = ['dashboard', 'review', 'allow-list', 'partners', 'audit', 'account'] as const;
type View = (typeof VIEWS)[number];

function viewFromHash(): View {
  const name = window.location.hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'dashboard';
}

type Auth = { state: 'checking' } | { state: 'signedOut' } | { state: 'signedIn'; operator: Operator };

export function ConsoleApp() {
  const { t } = useTranslation('console');
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const [view, setView] = useState<View>(viewFromHash);
  const [error, setError] = useState<unknown>(null);

  const refreshSession = useCallback(async () => {
    try {
      const session = await consoleApi.session();
      setCsrfToken(session.csrfToken);
      setAuth({ state: 'signedIn', operator: session.operator });
    } catch (err) {
      if (err instanceof ConsoleApiError && err.status === 401) setAuth({ state: 'signedOut' });
      else setError(err);
    }
  }, []);

  useEffect(() => {
    void refreshSession();
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [refreshSession]);

  useEffect(() => {
    document.title = `${t(`nav.${view}`)} · ${t('title')}`;
  }, [t, view]);

  let content: ReactNode;
  if (error) content = <ErrorAlert error={error} />;
  else if (auth.state === 'checking') content = <p aria-live="polite">{t('common.loading')}</p>;
  else if (auth.state === 'signedOut') {
    content = <Login onSignedIn={(operator) => setAuth({ state: 'signedIn', operator })} />;
  } else {
    const { operator } = auth;
    switch (view) {
      case 'dashboard':
        content = <Dashboard />;
        break;
      case 'review':
        content = <Review role={operator.role} />;
        break;
      case 'allow-list':
        content = <AllowList role={operator.role} />;
        break;
      case 'partners':
        content = <Partners role={operator.role} />;
        break;
      case 'audit':
        content = <Audit />;
        break;
      case 'account':
        content = <Account operator={operator} onChanged={() => void refreshSession()} />;
        break;
    }
  }

  return (
    <div className="page console">
      {/* biome-ignore lint/a11y/useValidAnchor: views live in the URL hash, so the skip link moves focus itself */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('skip')}
      </a>
      <header className="site-header">
        <div className="container site-header__inner">
          <span className="brand">{t('title')}</span>
          {auth.state === 'signedIn' && (
            <nav className="nav" aria-label={t('nav.label')}>
              {VIEWS.map((name) => (
                <a key={name} href={`#/${name}`} aria-current={view === name ? 'page' : undefined}>
                  {t(`nav.${name}`)}
                </a>
              ))}
              <span className="muted" data-testid="signed-in-as">
                {t('signedInAs', { email: auth.operator.email, role: t(`roles.${auth.operator.role}`) })}
              </span>
              <button
                type="button"
                className="button button--link"
                onClick={async () => {
                  try {
                    await consoleApi.logout();
                  } finally {
                    setCsrfToken('');
                    setAuth({ state: 'signedOut' });
                  }
                }}
              >
                {t('signOut')}
              </button>
            </nav>
          )}
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        <div className="container">{content}</div>
      </main>
    </div>
  );
}
