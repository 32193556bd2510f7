import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type CreatedCase, createCase, type SubmittedHash } from '../api.js';
import { StepHeading } from '../components/StepHeading.js';
import { isAcceptablePin, MAX_PIN_LENGTH, pinStrength } from '../pin.js';

export function ConsentPin(props: {
  hashes: SubmittedHash[];
  onCreated: (created: CreatedCase) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [agreeFacts, setAgreeFacts] = useState(false);
  const [agreeTerms, setAgreeTerms] = useState(false);
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [show, setShow] = useState(false);
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const id = useId();
  const strength = pinStrength(pin);

  const agreeError = tried && !(agreeFacts && agreeTerms);
  const pinError = tried && !isAcceptablePin(pin);
  const confirmError = tried && isAcceptablePin(pin) && pin !== confirm;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setFailure(null);
    if (!(agreeFacts && agreeTerms) || !isAcceptablePin(pin) || pin !== confirm) return;
    setSending(true);
    try {
      const created = await createCase({
        pin,
        hashes: props.hashes,
        consent: { over18: true, inContent: true, intimate: true, agreesToTerms: true },
      });
      props.onCreated(created);
    } catch (error) {
      setSending(false);
      setFailure(
        error instanceof ApiError && error.code === 'RATE_LIMITED' ? t('case.rateLimited') : t('consent.error'),
      );
      requestAnimationFrame(() => errorRef.current?.focus());
    }
  };

  const describe = (...ids: (string | false)[]) => ids.filter(Boolean).join(' ') || undefined;

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <p className="step-indicator">{t('app.stepOf', { current: 3, total: 4 })}</p>
      <StepHeading title={t('consent.title')}>{t('consent.title')}</StepHeading>
      <p className="alert">{t('consent.summary', { count: props.hashes.length })}</p>
      {failure && (
        <div className="alert alert--error" role="alert" tabIndex={-1} ref={errorRef}>
          <p>{failure}</p>
        </div>
      )}
      <fieldset className="fieldset card" aria-describedby={describe(agreeError && `${id}-agree-error`)}>
        <legend>{t('consent.confirmTitle')}</legend>
        {agreeError && (
          <p className="field__error" id={`${id}-agree-error`}>
            {t('consent.agreeRequired')}
          </p>
        )}
        <label className="choice">
          <input
            type="checkbox"
            name="agreeFacts"
            checked={agreeFacts}
            onChange={(e) => setAgreeFacts(e.target.checked)}
          />
          <span>{t('consent.agreeFacts')}</span>
        </label>
        <label className="choice">
          <input
            type="checkbox"
            name="agreeTerms"
            checked={agreeTerms}
            onChange={(e) => setAgreeTerms(e.target.checked)}
          />
          <span>{t('consent.agreeTerms')}</span>
        </label>
      </fieldset>
      <section className="card stack" aria-labelledby={`${id}-pin-title`}>
        <h2 id={`${id}-pin-title`}>{t('consent.pinTitle')}</h2>
        <p>{t('consent.pinIntro')}</p>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-pin`}>
            {t('consent.pin')}
          </label>
          <p className="field__hint" id={`${id}-pin-hint`}>
            {t('consent.pinHint')}
          </p>
          <input
            id={`${id}-pin`}
            name="pin"
            className="input input--mono"
            type={show ? 'text' : 'password'}
            autoComplete="new-password"
            maxLength={MAX_PIN_LENGTH}
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            aria-invalid={pinError || undefined}
            aria-describedby={describe(`${id}-pin-hint`, `${id}-strength`, pinError && `${id}-pin-error`)}
          />
          <div className={`strength strength--${strength}`} aria-hidden="true">
            <span className="strength__bar" />
            <span className="strength__bar" />
            <span className="strength__bar" />
          </div>
          <p className="field__hint" id={`${id}-strength`} aria-live="polite" data-testid="pin-strength">
            {t('consent.strength', { level: t(`consent.level.${strength}`) })}
          </p>
          {pinError && (
            <p className="field__error" id={`${id}-pin-error`}>
              {t('consent.pinWeak')}
            </p>
          )}
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-confirm`}>
            {t('consent.pinConfirm')}
          </label>
          <input
            id={`${id}-confirm`}
            name="pinConfirm"
            className="input input--mono"
            type={show ? 'text' : 'password'}
            autoComplete="new-password"
            maxLength={MAX_PIN_LENGTH}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            aria-invalid={confirmError || undefined}
            aria-describedby={describe(confirmError && `${id}-confirm-error`)}
          />
          {confirmError && (
            <p className="field__error" id={`${id}-confirm-error`}>
              {t('consent.pinMismatch')}
            </p>
          )}
        </div>
        <label className="choice">
          <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} />
          <span>{t('consent.show')}</span>
        </label>
      </section>
      <div className="cluster">
        <button type="submit" className="button button--primary" disabled={sending}>
          {sending ? t('consent.submitting') : t('consent.submit')}
        </button>
        <button type="button" className="button button--link" onClick={props.onBack} disabled={sending}>
          {t('app.back')}
        </button>
      </div>
    </form>
  );
}
