// The review queue. Evidence only: hash values, counts and partner verdicts.
// No image is ever shown here, nor could be: the bank holds none.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, type ReviewItem, type Role } from '../api.js';
import { ConfirmButton, ErrorAlert, formatDateTime } from '../ui.js';

type Filter = 'pending' | 'decided' | 'all';

function Evidence({ item }: { item: ReviewItem }) {
  const { t } = useTranslation('console');
  const { evidence } = item;
  return (
    <ul className="evidence">
      {evidence.notBlockedBy && evidence.notBlockedBy.length > 0 && (
        <li>{t('review.notBlockedBy', { count: evidence.notBlockedBy.length })}</li>
      )}
      {evidence.blockedBy && evidence.blockedBy.length > 0 && (
        <li>{t('review.blockedBy', { count: evidence.blockedBy.length })}</li>
      )}
      {evidence.reports !== undefined && (
        <li>
          {t('review.reports', { reports: evidence.reports, baseline: evidence.baseline, ratio: evidence.ratio })}
        </li>
      )}
      <li>{t('review.cases', { count: item.caseCount, active: item.activeCaseCount })}</li>
      {evidence.note && <li>{t('review.note', { note: evidence.note })}</li>}
    </ul>
  );
}

function ReviewCard({ item, canDecide, onChanged }: { item: ReviewItem; canDecide: boolean; onChanged: () => void }) {
  const { t, i18n } = useTranslation('console');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const decide = async (decision: 'disable' | 'enable' | 'allow-list') => {
    setError(null);
    try {
      await consoleApi.decide(item.signalType, item.value, decision, note);
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const noteId = `note-${item.signalType}-${item.value.slice(0, 16)}`;
  const withheld = item.state === 'quarantined' || item.state === 'disabled' || item.state === 'allow_listed';
  return (
    <article className="card stack review-item" data-testid="review-item" data-hash={item.value}>
      <header className="cluster review-item__head">
        <span className={`badge state--${item.state}`} data-testid="review-state">
          {t(`state.${item.state}`)}
        </span>
        <span className="badge badge--busy">{t(`reason.${item.reason}`)}</span>
        <span className="muted">{item.signalType.toUpperCase()}</span>
        <span className="muted">{t('review.queuedAt', { at: formatDateTime(item.queuedAt, i18n.language) })}</span>
      </header>
      <p className="hash">
        <span className="visually-hidden">{t('review.hashValue')}: </span>
        {item.value}
      </p>
      <p className="muted">{withheld ? t('review.withheld') : t('review.distributed')}</p>
      <Evidence item={item} />
      {item.feedback.length > 0 && (
        <details>
          <summary>{t('review.feedbackTitle', { count: item.feedback.length })}</summary>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('review.partner')}</th>
                <th scope="col">{t('review.verdict')}</th>
                <th scope="col">{t('review.when')}</th>
              </tr>
            </thead>
            <tbody>
              {item.feedback.map((f) => (
                <tr key={`${f.partnerId}-${f.at}-${f.value}`}>
                  <td data-label={t('review.partner')}>{f.partnerName}</td>
                  <td data-label={t('review.verdict')}>{t(`feedback.${f.value}`, { defaultValue: f.value })}</td>
                  <td data-label={t('review.when')}>{formatDateTime(f.at, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <ErrorAlert error={error} />
      {canDecide && (
        <div className="stack">
          <div className="field">
            <label className="field__label" htmlFor={noteId}>
              {t('review.noteLabel')}
            </label>
            <input
              id={noteId}
              className="input"
              maxLength={500}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <div className="cluster">
            {item.state !== 'disabled' && (
              <button type="button" className="button button--danger" onClick={() => void decide('disable')}>
                {t('review.disable')}
              </button>
            )}
            {item.state !== 'released' && (
              <button type="button" className="button button--primary" onClick={() => void decide('enable')}>
                {t('review.enable')}
              </button>
            )}
            {item.state !== 'allow_listed' && (
              <ConfirmButton
                label={t('review.allowList')}
                confirmLabel={t('review.allowListConfirm')}
                question={t('review.allowListQuestion')}
                onConfirm={() => decide('allow-list')}
              />
            )}
          </div>
        </div>
      )}
    </article>
  );
}

export function Review({ role }: { role: Role }) {
  const { t } = useTranslation('console');
  const [filter, setFilter] = useState<Filter>('pending');
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scanResult, setScanResult] = useState<number | null>(null);
  const canDecide = role !== 'viewer';

  const load = useCallback(async () => {
    try {
      setItems((await consoleApi.review(filter)).items);
    } catch (err) {
      setError(err);
    }
  }, [filter]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="stack" aria-labelledby="review-title">
      <div className="console-toolbar">
        <h1 id="review-title">{t('review.title')}</h1>
        <div className="cluster">
          <label className="cluster">
            <span>{t('review.show')}</span>
            <select
              className="select"
              value={filter}
              onChange={(e) => setFilter(e.target.value as Filter)}
              data-testid="review-filter"
            >
              <option value="pending">{t('review.filterPending')}</option>
              <option value="decided">{t('review.filterDecided')}</option>
              <option value="all">{t('review.filterAll')}</option>
            </select>
          </label>
          {canDecide && (
            <button
              type="button"
              className="button button--secondary"
              onClick={async () => {
                try {
                  setScanResult((await consoleApi.scan()).queued.length);
                  await load();
                } catch (err) {
                  setError(err);
                }
              }}
            >
              {t('review.scan')}
            </button>
          )}
        </div>
      </div>
      <p className="muted">{t('review.intro')}</p>
      {scanResult !== null && (
        <p className="alert" role="status">
          {t('review.scanResult', { count: scanResult })}
        </p>
      )}
      <ErrorAlert error={error} />
      {items === null ? (
        <p>{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted" data-testid="review-empty">
          {t('review.empty')}
        </p>
      ) : (
        items.map((item) => (
          <ReviewCard key={`${item.signalType}:${item.value}`} item={item} canDecide={canDecide} onChanged={load} />
        ))
      )}
    </section>
  );
}
