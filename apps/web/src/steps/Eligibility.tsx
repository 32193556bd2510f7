import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StepHeading } from '../components/StepHeading.js';

export type Answer = 'yes' | 'no' | null;
export interface Answers {
  over18: Answer;
  inContent: Answer;
  intimate: Answer;
}
export type Refusal = 'minor' | 'notIn' | 'notIntimate';

function Question(props: {
  name: keyof Answers;
  legend: string;
  hint?: string;
  value: Answer;
  invalid: boolean;
  onChange: (value: Answer) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : '', props.invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <fieldset className="fieldset card" aria-describedby={describedBy || undefined} data-question={props.name}>
      <legend>{props.legend}</legend>
      {props.hint && (
        <p className="field__hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.invalid && (
        <p className="field__error" id={`${id}-error`}>
          {t('eligibility.required')}
        </p>
      )}
      <div className="choice-row">
        {(['yes', 'no'] as const).map((option) => (
          <label className="choice" key={option}>
            <input
              type="radio"
              name={props.name}
              value={option}
              checked={props.value === option}
              onChange={() => props.onChange(option)}
            />
            <span>{t(`eligibility.${option}`)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function Eligibility(props: {
  answers: Answers;
  onChange: (answers: Answers) => void;
  onEligible: () => void;
  onRefused: (reason: Refusal) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [submitted, setSubmitted] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const { answers } = props;
  const missing = (Object.keys(answers) as (keyof Answers)[]).filter((key) => answers[key] === null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (missing.length > 0) {
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }
    if (answers.over18 === 'no') props.onRefused('minor');
    else if (answers.inContent === 'no') props.onRefused('notIn');
    else if (answers.intimate === 'no') props.onRefused('notIntimate');
    else props.onEligible();
  };
  const set = (key: keyof Answers) => (value: Answer) => props.onChange({ ...answers, [key]: value });

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <p className="step-indicator">{t('app.stepOf', { current: 1, total: 4 })}</p>
      <StepHeading title={t('eligibility.title')}>{t('eligibility.title')}</StepHeading>
      <p>{t('eligibility.intro')}</p>
      {submitted && missing.length > 0 && (
        <div className="alert alert--error" role="alert" tabIndex={-1} ref={summaryRef}>
          <p>{t('eligibility.summary')}</p>
        </div>
      )}
      <Question
        name="over18"
        legend={t('eligibility.q1')}
        value={answers.over18}
        invalid={submitted && answers.over18 === null}
        onChange={set('over18')}
      />
      <Question
        name="inContent"
        legend={t('eligibility.q2')}
        value={answers.inContent}
        invalid={submitted && answers.inContent === null}
        onChange={set('inContent')}
      />
      <Question
        name="intimate"
        legend={t('eligibility.q3')}
        hint={t('eligibility.q3hint')}
        value={answers.intimate}
        invalid={submitted && answers.intimate === null}
        onChange={set('intimate')}
      />
      <div className="cluster">
        <button type="submit" className="button button--primary">
          {t('app.continue')}
        </button>
        <button type="button" className="button button--link" onClick={props.onBack}>
          {t('app.back')}
        </button>
      </div>
    </form>
  );
}
