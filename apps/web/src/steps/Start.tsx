import { useTranslation } from 'react-i18next';
import { StepHeading } from '../components/StepHeading.js';

export function Start({ onStart }: { onStart: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="stack">
      <StepHeading title={t('start.title')}>{t('start.title')}</StepHeading>
      <p className="lead">{t('start.intro')}</p>
      <section className="card" aria-labelledby="does">
        <h2 id="does">{t('start.doesTitle')}</h2>
        <ul>
          <li>{t('start.does1')}</li>
          <li>{t('start.does2')}</li>
          <li>{t('start.does3')}</li>
        </ul>
      </section>
      <section className="card" aria-labelledby="does-not">
        <h2 id="does-not">{t('start.doesNotTitle')}</h2>
        <ul>
          <li>{t('start.doesNot1')}</li>
          <li>{t('start.doesNot2')}</li>
          <li>{t('start.doesNot3')}</li>
        </ul>
      </section>
      <div className="cluster">
        <button type="button" className="button button--primary" onClick={onStart}>
          {t('start.start')}
        </button>
        <a className="button button--secondary" href="#/case">
          {t('start.haveCase')}
        </a>
      </div>
    </div>
  );
}
