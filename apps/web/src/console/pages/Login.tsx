import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConsoleApiError, consoleApi, type Operator, setCsrfToken } from '../api.js';
import { ErrorAlert } from '../ui.js';

export function Login({ onSignedIn }: { onSignedIn: (operator: Operator) => void }) {
  const { t } = useTranslation('console');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await consoleApi.login(email, password, needsCode ? code : undefined);
      setCsrfToken(result.csrfToken);
      onSignedIn(result.operator);
    } catch (err) {
      if (err instanceof ConsoleApiError && err.code === 'TOTP_REQUIRED') {
        setNeedsCode(true);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack console-login" aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      <p className="muted">{t('login.intro')}</p>
      <ErrorAlert error={error} />
      <form className="stack" onSubmit={submit} noValidate>
        <div className="field">
          <label className="field__label" htmlFor="login-email">
            {t('login.email')}
          </label>
          <input
            id="login-email"
            className="input"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="login-password">
            {t('login.password')}
          </label>
          <input
            id="login-password"
            className="input"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {needsCode && (
          <div className="field">
            <label className="field__label" htmlFor="login-code">
              {t('login.code')}
            </label>
            <p className="field__hint" id="login-code-hint">
              {t('login.codeHint')}
            </p>
            <input
              id="login-code"
              className="input input--mono"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              aria-describedby="login-code-hint"
              // biome-ignore lint/a11y/noAutofocus: the field appears in answer to the operator's own submit
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            />
          </div>
        )}
        <button type="submit" className="button button--primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </section>
  );
}
