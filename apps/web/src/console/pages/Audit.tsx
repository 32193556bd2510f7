import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AuditEntry, type AuditQuery, consoleApi } from '../api.js';
import { ErrorAlert, formatDateTime } from '../ui.js';

/** Date inputs give local calendar days; the range covers the whole of the "to" day. */
function toRange(from: string, to: string): Pick<AuditQuery, 'from' | 'to'> {
  return {
    from: from ? new Date(`${from}T00:00:00`).toISOString() : undefined,
    to: to ? new Date(`${to}T23:59:59.999`).toISOString() : undefined,
  };
}

export function Audit() {
  const { t, i18n } = useTranslation('console');
  const [form, setForm] = useState({ actor: '', action: '', from: '', to: '' });
  const [applied, setApplied] = useState<AuditQuery>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async (filter: AuditQuery, append: boolean) => {
    setError(null);
    try {
      const page = await consoleApi.audit(filter);
      setEntries((previous) => (append && previous ? [...previous, ...page.entries] : page.entries));
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load(applied, false);
  }, [applied, load]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ actor: form.actor.trim(), action: form.action.trim(), ...toRange(form.from, form.to) });
  };

  const field = (key: keyof typeof form, type: 'text' | 'date') => (
    <div className="field">
      <label className="field__label" htmlFor={`audit-${key}`}>
        {t(`audit.${key}`)}
      </label>
      <input
        id={`audit-${key}`}
        className="input"
        type={type}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </div>
  );

  return (
    <section className="stack" aria-labelledby="audit-title">
      <h1 id="audit-title">{t('audit.title')}</h1>
      <form className="card audit-filters" onSubmit={submit} aria-label={t('audit.filters')}>
        {field('actor', 'text')}
        {field('action', 'text')}
        {field('from', 'date')}
        {field('to', 'date')}
        <div className="cluster audit-filters__actions">
          <button type="submit" className="button button--primary">
            {t('audit.apply')}
          </button>
          <button
            type="button"
            className="button button--link"
            onClick={() => {
              setForm({ actor: '', action: '', from: '', to: '' });
              setApplied({});
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {entries === null ? (
        <p>{t('common.loading')}</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          {t('audit.empty')}
        </p>
      ) : (
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.when')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.target')}</th>
              <th scope="col">{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id} data-testid="audit-row">
                <td data-label={t('audit.when')}>{formatDateTime(entry.at, i18n.language)}</td>
                <td data-label={t('audit.actor')}>{entry.actor}</td>
                <td data-label={t('audit.action')}>
                  <code>{entry.action}</code>
                </td>
                <td data-label={t('audit.target')} className="hash">
                  {entry.target ?? '—'}
                </td>
                <td data-label={t('audit.details')} className="hash">
                  {Object.keys(entry.details).length ? JSON.stringify(entry.details) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextBefore && (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void load({ ...applied, before: nextBefore }, true)}
        >
          {t('audit.older')}
        </button>
      )}
    </section>
  );
}
