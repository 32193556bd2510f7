// Console building blocks on top of the shared design system classes.
import type { TFunction } from 'i18next';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConsoleApiError } from './api.js';

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation('console');
  if (!error) return null;
  const message =
    error instanceof ConsoleApiError
      ? t(`errors.${error.code}`, { defaultValue: error.message })
      : t('errors.unexpected');
  return (
    <div className="alert alert--error" role="alert">
      <p>{message}</p>
    </div>
  );
}

/** A button that asks for a second, explicit click before a destructive action. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  danger = false,
  disabled = false,
  testId,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
  disabled?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation('console');
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className={`button ${danger ? 'button--danger' : 'button--secondary'}`}
        disabled={disabled}
        onClick={() => setAsking(true)}
        data-testid={testId}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <span>{question}</span>
      <button
        type="button"
        className={`button ${danger ? 'button--danger' : 'button--primary'}`}
        disabled={busy}
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button button--link" onClick={() => setAsking(false)}>
        {t('common.cancel')}
      </button>
    </span>
  );
}

export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="stat card" data-testid={testId}>
      <div className="stat__value">{value}</div>
      <div className="stat__label">{label}</div>
    </div>
  );
}

export function formatDateTime(iso: string | null, language: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** "3 h", "2 d": coarse durations for freshness and lag. */
export function formatDuration(seconds: number | null, t: TFunction<'console'>): string {
  if (seconds === null) return t('common.never');
  if (seconds < 90) return t('duration.seconds', { count: Math.round(seconds) });
  if (seconds < 90 * 60) return t('duration.minutes', { count: Math.round(seconds / 60) });
  if (seconds < 36 * 3600) return t('duration.hours', { count: Math.round(seconds / 3600) });
  return t('duration.days', { count: Math.round(seconds / 86400) });
}
