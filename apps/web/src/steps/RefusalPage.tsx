import { useTranslation } from 'react-i18next';
import { StepHeading } from '../components/StepHeading.js';
import type { Refusal } from './Eligibility.js';

/** Take It Down (NCMEC) handles images made when the person was under 18. A plain link: nothing is loaded from it. */
const TAKE_IT_DOWN_URL = 'https://takeitdown.ncmec.org/';

export function RefusalPage({
  reason,
  onChange,
  onHome,
}: {
  reason: Refusal;
  onChange: () => void;
  onHome: () => void;
}) {
  const { t } = useTranslation();
  const title = t(`refusal.${reason}Title`);
  return (
    <div className="stack" data-refusal={reason}>
      <StepHeading title={title}>{title}</StepHeading>
      <div className="card">
        <p>{t(`refusal.${reason}1`)}</p>
        <p>{t(`refusal.${reason}2`)}</p>
        {reason === 'minor' && (
          <>
            <p>
              <a className="button button--primary" href={TAKE_IT_DOWN_URL} rel="noopener noreferrer">
                {t('refusal.minorLink')}
              </a>
            </p>
            <p>{t('refusal.minor3')}</p>
          </>
        )}
      </div>
      <div className="cluster">
        <button type="button" className="button button--secondary" onClick={onChange}>
          {t('refusal.changeAnswers')}
        </button>
        <button type="button" className="button button--link" onClick={onHome}>
          {t('refusal.home')}
        </button>
      </div>
    </div>
  );
}
