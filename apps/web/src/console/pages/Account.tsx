import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, type Operator } from '../api.js';
import { ErrorAlert } from '../ui.js';

export function Account({ operator, onChanged }: { operator: Operator; onChanged: () => void }) {
  const { t } = useTranslation('console');
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const enable = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await consoleApi.totpEnable(code);
      setDone(true);
      setSetup(null);
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="stack" aria-labelledby="account-title">
      <h1 id="account-title">{t('account.title')}</h1>
      <dl className="card account-facts">
        <dt>{t('login.email')}</dt>
        <dd>{operator.email}</dd>
        <dt>{t('account.role')}</dt>
        <dd>{t(`roles.${operator.role}`)}</dd>
        <dt>{t('account.totp')}</dt>
        <dd data-testid="totp-state">{operator.totpEnabled ? t('account.totpOn') : t('account.totpOff')}</dd>
      </dl>
      <ErrorAlert error={error} />
      {done && (
        <p className="alert alert--success" role="status">
          {t('account.totpEnabled')}
        </p>
      )}
      {!operator.totpEnabled && !setup && (
        <button
          type="button"
          className="button button--primary"
          onClick={async () => {
            setError(null);
            try {
              setSetup(await consoleApi.totpSetup());
            } catch (err) {
              setError(err);
            }
          }}
        >
          {t('account.totpStart')}
        </button>
      )}
      {setup && (
        <form className="card stack" onSubmit={enable}>
          <p>{t('account.totpInstructions')}</p>
          <p className="hash" data-testid="totp-secret">
            {setup.secret}
          </p>
          <p className="muted hash">{setup.uri}</p>
          <div className="field">
            <label className="field__label" htmlFor="totp-code">
              {t('login.code')}
            </label>
            <input
              id="totp-code"
              className="input input--mono"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            />
          </div>
          <button type="submit" className="button button--primary" disabled={code.length !== 6}>
            {t('account.totpConfirm')}
          </button>
        </form>
      )}
    </section>
  );
}
