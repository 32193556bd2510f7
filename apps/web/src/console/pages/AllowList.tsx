// The negative bank: hashes that must never be distributed. PDQ entries also
// refuse near-duplicates (within the matching distance) at submission.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AllowListEntry, consoleApi, type Role, type SignalType } from '../api.js';
import { ConfirmButton, ErrorAlert, formatDateTime } from '../ui.js';

export function AllowList({ role }: { role: Role }) {
  const { t, i18n } = useTranslation('console');
  const [entries, setEntries] = useState<AllowListEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState<{ signalType: SignalType; value: string; note: string }>({
    signalType: 'pdq',
    value: '',
    note: '',
  });
  const canEdit = role !== 'viewer';

  const load = useCallback(async () => {
    try {
      setEntries((await consoleApi.allowList()).entries);
    } catch (err) {
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await consoleApi.addToAllowList(form.signalType, form.value.trim(), form.note.trim());
      setForm({ ...form, value: '', note: '' });
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="stack" aria-labelledby="allow-title">
      <h1 id="allow-title">{t('allowList.title')}</h1>
      <p className="muted">{t('allowList.intro')}</p>
      <ErrorAlert error={error} />
      {canEdit && (
        <form className="card audit-filters" onSubmit={add}>
          <div className="field">
            <label className="field__label" htmlFor="allow-type">
              {t('allowList.signalType')}
            </label>
            <select
              id="allow-type"
              className="select"
              value={form.signalType}
              onChange={(e) => setForm({ ...form, signalType: e.target.value as SignalType })}
            >
              <option value="pdq">PDQ</option>
              <option value="md5">MD5</option>
              <option value="vpdq">vPDQ</option>
            </select>
          </div>
          <div className="field">
            <label className="field__label" htmlFor="allow-value">
              {t('allowList.value')}
            </label>
            <input
              id="allow-value"
              className="input input--mono"
              required
              value={form.value}
              onChange={(e) => setForm({ ...form, value: e.target.value })}
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor="allow-note">
              {t('allowList.note')}
            </label>
            <input
              id="allow-note"
              className="input"
              maxLength={500}
              value={form.note}
              onChange={(e) => setForm({ ...form, note: e.target.value })}
            />
          </div>
          <button type="submit" className="button button--primary" disabled={!form.value.trim()}>
            {t('allowList.add')}
          </button>
        </form>
      )}
      {entries === null ? (
        <p>{t('common.loading')}</p>
      ) : entries.length === 0 ? (
        <p className="muted">{t('allowList.empty')}</p>
      ) : (
        <table className="table" data-testid="allow-list-table">
          <thead>
            <tr>
              <th scope="col">{t('allowList.signalType')}</th>
              <th scope="col">{t('allowList.value')}</th>
              <th scope="col">{t('allowList.note')}</th>
              <th scope="col">{t('allowList.added')}</th>
              <th scope="col">{t('partners.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td data-label={t('allowList.signalType')}>{entry.signalType.toUpperCase()}</td>
                <td data-label={t('allowList.value')} className="hash">
                  {entry.value}
                </td>
                <td data-label={t('allowList.note')}>{entry.note || '—'}</td>
                <td data-label={t('allowList.added')}>{formatDateTime(entry.createdAt, i18n.language)}</td>
                <td data-label={t('partners.actions')}>
                  {canEdit && (
                    <ConfirmButton
                      label={t('allowList.remove')}
                      confirmLabel={t('allowList.remove')}
                      question={t('allowList.removeQuestion')}
                      onConfirm={async () => {
                        try {
                          await consoleApi.removeFromAllowList(entry.id);
                          await load();
                        } catch (err) {
                          setError(err);
                        }
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
