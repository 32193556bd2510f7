import { type ChangeEvent, type DragEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StepHeading } from '../components/StepHeading.js';
import type { FileEntry } from '../hashing/useFileHashing.js';

const ACCEPT = 'image/*,video/*,.heic,.heif,.avif,.mov,.mp4,.webm';

function formatSize(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

function FileItem({ entry, onRemove }: { entry: FileEntry; onRemove: () => void }) {
  const { t, i18n } = useTranslation();
  const [previewFailed, setPreviewFailed] = useState(false);
  const statusId = useId();
  const badge =
    entry.state === 'ready' ? 'badge--ready' : entry.state === 'excluded' ? 'badge--excluded' : 'badge--busy';
  const alt = t('files.previewAlt', { name: entry.name });
  return (
    <li className="file" data-state={entry.state} data-name={entry.name}>
      {previewFailed || entry.state === 'excluded' ? (
        <div className="file__preview file__preview--empty" aria-hidden="true">
          {t(entry.kind === 'video' ? 'files.kindVideo' : 'files.kindImage')}
        </div>
      ) : entry.kind === 'video' ? (
        <video
          className="file__preview"
          src={entry.previewUrl}
          muted
          playsInline
          preload="metadata"
          aria-label={alt}
          onError={() => setPreviewFailed(true)}
        />
      ) : (
        <img className="file__preview" src={entry.previewUrl} alt={alt} onError={() => setPreviewFailed(true)} />
      )}
      <div className="file__body">
        <p className="file__name">{entry.name}</p>
        <p className="file__meta">
          {t(entry.kind === 'video' ? 'files.kindVideo' : 'files.kindImage')} · {formatSize(entry.size, i18n.language)}
          {entry.state === 'ready' &&
            entry.quality !== undefined &&
            ` · ${t('files.quality', { quality: entry.quality })}`}
        </p>
        <p id={statusId}>
          <span className={`badge ${badge}`}>{t(`files.status.${entry.state}`)}</span>
        </p>
        {(entry.state === 'hashing' || entry.state === 'queued') && (
          <progress
            className="progress"
            max={1}
            value={entry.progress}
            aria-label={t('files.progressLabel', { name: entry.name })}
          />
        )}
        {entry.state === 'ready' && entry.md5Only && <p className="file__reason">{t('files.videoMd5Only')}</p>}
        {entry.state === 'excluded' && entry.reason && (
          <p className="file__reason">{t(`files.reason.${entry.reason}`, { quality: entry.quality ?? 0 })}</p>
        )}
        <div className="file__actions">
          <button type="button" className="button button--link" onClick={onRemove}>
            {t('files.remove', { name: entry.name })}
          </button>
        </div>
      </div>
    </li>
  );
}

export function SelectFiles(props: {
  entries: FileEntry[];
  onAdd: (files: File[]) => void;
  onRemove: (id: number) => void;
  onContinue: () => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [tried, setTried] = useState(false);
  const hintId = useId();
  const { entries } = props;
  const ready = entries.filter((entry) => entry.state === 'ready').length;
  const excluded = entries.filter((entry) => entry.state === 'excluded').length;
  const busy = entries.some((entry) => entry.state === 'queued' || entry.state === 'hashing');

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    if (event.target.files) props.onAdd([...event.target.files]);
    event.target.value = '';
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    props.onAdd([...event.dataTransfer.files]);
  };
  const onContinue = () => {
    setTried(true);
    if (!busy && ready > 0) props.onContinue();
  };

  return (
    <div className="stack">
      <p className="step-indicator">{t('app.stepOf', { current: 2, total: 4 })}</p>
      <StepHeading title={t('files.title')}>{t('files.title')}</StepHeading>
      <p>{t('files.intro')}</p>
      <section
        className={`dropzone${dragging ? ' dropzone--active' : ''}`}
        aria-label={t('files.choose')}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>{t('files.drop')}</p>
        <label htmlFor="file-input" className="visually-hidden">
          {t('files.choose')}
        </label>
        <input
          ref={inputRef}
          id="file-input"
          className="visually-hidden"
          type="file"
          multiple
          accept={ACCEPT}
          onChange={onPick}
          aria-describedby={hintId}
          tabIndex={-1}
        />
        <button type="button" className="button button--primary" onClick={() => inputRef.current?.click()}>
          {t('files.choose')}
        </button>
        <p className="field__hint" id={hintId}>
          {t('files.types')}
        </p>
      </section>
      <h2>{t('files.listLabel')}</h2>
      <p aria-live="polite" aria-atomic="true" data-testid="files-summary">
        {entries.length === 0
          ? t('files.empty')
          : `${t('files.summary', { count: entries.length, ready })}${excluded > 0 ? ` ${t('files.excludedSummary', { count: excluded })}` : ''}`}
      </p>
      {entries.length > 0 && (
        <ul className="file-list" aria-label={t('files.listLabel')}>
          {entries.map((entry) => (
            <FileItem key={entry.id} entry={entry} onRemove={() => props.onRemove(entry.id)} />
          ))}
        </ul>
      )}
      {tried && (busy || ready === 0) && (
        <div className="alert alert--warning" role="alert">
          <p>{busy ? t('files.busy') : t('files.needOne')}</p>
        </div>
      )}
      <div className="cluster">
        <button
          type="button"
          className="button button--primary"
          onClick={onContinue}
          aria-disabled={busy || ready === 0}
        >
          {t('app.continue')}
        </button>
        <button type="button" className="button button--link" onClick={props.onBack}>
          {t('app.back')}
        </button>
      </div>
    </div>
  );
}
