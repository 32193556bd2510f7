import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedCase } from '../api.js';
import { StepHeading } from '../components/StepHeading.js';

export function Result({
  created,
  onOpenCase,
  onRestart,
}: {
  created: CreatedCase;
  onOpenCase: () => void;
  onRestart: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [downloadUrl, setDownloadUrl] = useState<string | null>(null);
  const createdAt = new Date(created.createdAt).toLocaleString(i18n.language);

  // The text file is built locally; it holds the case number only, never the PIN.
  useEffect(() => {
    const text = t('result.fileText', { caseNumber: created.caseNumber, createdAt });
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    setDownloadUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [created.caseNumber, createdAt, t]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.caseNumber);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  };

  return (
    <div className="stack">
      <p className="step-indicator">{t('app.stepOf', { current: 4, total: 4 })}</p>
      <StepHeading title={t('result.title')}>{t('result.title')}</StepHeading>
      <p>
        {t('result.intro')} {t('result.hashes', { count: created.hashes.length })}
      </p>
      <section className="card stack" aria-labelledby="case-number-label">
        <h2 id="case-number-label">{t('result.caseNumber')}</h2>
        <p>
          <output className="case-number" data-testid="case-number" aria-labelledby="case-number-label">
            {created.caseNumber}
          </output>
        </p>
        <div className="alert alert--warning">
          <p>{t('result.keepSafe')}</p>
        </div>
        <div className="cluster">
          <button type="button" className="button button--primary" onClick={copy}>
            {t('result.copy')}
          </button>
          {downloadUrl && (
            <a
              className="button button--secondary"
              href={downloadUrl}
              download={`unseen-case-${created.caseNumber}.txt`}
            >
              {t('result.download')}
            </a>
          )}
        </div>
        <p aria-live="polite" className="muted">
          {copyState === 'copied' ? t('result.copied') : copyState === 'failed' ? t('result.copyFailed') : ''}
        </p>
      </section>
      <div className="cluster">
        <button type="button" className="button button--secondary" onClick={onOpenCase}>
          {t('result.goToCase')}
        </button>
        <button type="button" className="button button--link" onClick={onRestart}>
          {t('result.again')}
        </button>
      </div>
    </div>
  );
}
