import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type CaseStatus, caseStatus, withdrawCase } from '../api.js';
import { StepHeading } from '../components/StepHeading.js';

function useLabel() {
  const { t, i18n } = useTranslation();
  return {
    status: (value: string) => t(`status.${value.toLowerCase()}`, { defaultValue: value }),
    event: (value: string) => t(`event.${value.toLowerCase()}`, { defaultValue: value }),
    date: (iso: string) => new Date(iso).toLocaleString(i18n.language),
  };
}

function errorMessage(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError) {
    if (error.code === 'RATE_LIMITED' || error.status === 429) return t('case.rateLimited');
    if (error.code === 'CASE_LOCKED' || error.status === 423) return t('case.locked');
    if (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 400) {
      return t('case.notFound');
    }
  }
  return t('case.error');
}

function CaseDetails({ data, onWithdraw, busy }: { data: CaseStatus; onWithdraw: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const label = useLabel();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const status = data.status.toLowerCase();
  const withdrawn = status === 'withdrawn';
  return (
    <section className="stack" aria-labelledby="case-title" data-testid="case-details" data-status={status}>
      <div className="card stack">
        <h2 id="case-title">{t('case.statusTitle', { caseNumber: data.caseNumber })}</h2>
        <p>
          <strong data-testid="case-status">{t('case.caseStatus', { status: label.status(data.status) })}</strong>
          <br />
          <span className="muted">{t('case.created', { date: label.date(data.createdAt) })}</span>
        </p>
      </div>
      <div className="card">
        <h2>{t('case.hashesTitle')}</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('case.colType')}</th>
              <th scope="col">{t('case.colHash')}</th>
              <th scope="col">{t('case.colStatus')}</th>
              <th scope="col">{t('case.colReports')}</th>
            </tr>
          </thead>
          <tbody>
            {data.hashes.map((hash) => {
              const f = hash.feedback;
              const any = f.matched + f.removed + f.reviewedNotRemoved > 0;
              return (
                <tr key={`${hash.signalType}:${hash.value}`}>
                  <td data-label={t('case.colType')}>
                    {t(`signal.${hash.signalType}`, { defaultValue: hash.signalType })}
                  </td>
                  <td data-label={t('case.colHash')} className="hash">
                    {hash.value.length > 24 ? `${hash.value.slice(0, 16)}…` : hash.value}
                  </td>
                  <td data-label={t('case.colStatus')}>{label.status(hash.status)}</td>
                  <td data-label={t('case.colReports')}>
                    {any
                      ? t('case.reports', { matched: f.matched, removed: f.removed, kept: f.reviewedNotRemoved })
                      : t('case.noReports')}
                    {f.lastReportedAt && ` (${t('case.lastReport', { date: label.date(f.lastReportedAt) })})`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data.timeline.length > 0 && (
        <div className="card">
          <h2>{t('case.timelineTitle')}</h2>
          <ol className="timeline">
            {data.timeline.map((item) => (
              <li key={`${item.at}:${item.event}`}>
                <time dateTime={item.at}>{label.date(item.at)}</time>: {label.event(item.event)}
              </li>
            ))}
          </ol>
        </div>
      )}
      {!withdrawn && (
        <div className="cluster">
          <button type="button" className="button button--danger" onClick={() => dialogRef.current?.showModal()}>
            {t('case.withdraw')}
          </button>
        </div>
      )}
      <dialog ref={dialogRef} className="dialog" aria-labelledby="withdraw-title" aria-describedby="withdraw-body">
        <div className="stack">
          <h2 id="withdraw-title">{t('case.withdrawTitle')}</h2>
          <p id="withdraw-body">{t('case.withdrawBody')}</p>
          <div className="cluster">
            {/* Cancel comes first: showModal() focuses it, so Enter on the opened dialog never withdraws. */}
            <button type="button" className="button button--secondary" onClick={() => dialogRef.current?.close()}>
              {t('case.withdrawCancel')}
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={busy}
              onClick={() => {
                dialogRef.current?.close();
                onWithdraw();
              }}
            >
              {t('case.withdrawConfirm')}
            </button>
          </div>
        </div>
      </dialog>
    </section>
  );
}

export function CasePage({ initialCaseNumber }: { initialCaseNumber?: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [caseNumber, setCaseNumber] = useState(initialCaseNumber ?? '');
  const [pin, setPin] = useState('');
  const [data, setData] = useState<CaseStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const noticeRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  const open = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    if (!caseNumber.trim() || !pin) {
      setError(t('case.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setData(await caseStatus(caseNumber, pin));
    } catch (failure) {
      setData(null);
      setError(errorMessage(failure, t));
    } finally {
      setBusy(false);
    }
  };

  const withdraw = async () => {
    if (!data) return;
    setBusy(true);
    setError(null);
    try {
      setData(await withdrawCase(data.caseNumber, pin));
      setNotice(t('case.withdrawn'));
    } catch (failure) {
      setError(errorMessage(failure, t));
    } finally {
      setBusy(false);
    }
  };

  const closeCase = () => {
    setData(null);
    setPin('');
    setNotice(null);
  };

  return (
    <div className="stack">
      <StepHeading title={t('case.title')}>{t('case.title')}</StepHeading>
      <p>{t('case.intro')}</p>
      {error && (
        <div className="alert alert--error" role="alert" tabIndex={-1} ref={errorRef} data-testid="case-error">
          <p>{error}</p>
        </div>
      )}
      {notice && (
        <div className="alert alert--success" role="status" tabIndex={-1} ref={noticeRef} data-testid="case-notice">
          <p>{notice}</p>
        </div>
      )}
      {data ? (
        <>
          <CaseDetails data={data} onWithdraw={withdraw} busy={busy} />
          <button type="button" className="button button--link" onClick={closeCase}>
            {t('case.close')}
          </button>
        </>
      ) : (
        <form className="card stack" onSubmit={open} noValidate>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-case`}>
              {t('case.caseNumber')}
            </label>
            <input
              id={`${id}-case`}
              name="caseNumber"
              className="input input--mono"
              autoComplete="off"
              spellCheck={false}
              value={caseNumber}
              onChange={(e) => setCaseNumber(e.target.value)}
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-pin`}>
              {t('case.pin')}
            </label>
            <input
              id={`${id}-pin`}
              name="pin"
              className="input input--mono"
              type="password"
              autoComplete="current-password"
              value={pin}
              onChange={(e) => setPin(e.target.value)}
            />
          </div>
          <div className="cluster">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? t('case.opening') : t('case.open')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
