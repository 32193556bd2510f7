import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedCase } from './api.js';
import { Header } from './components/Header.js';
import { useFileHashing } from './hashing/useFileHashing.js';
import { CasePage } from './steps/CasePage.js';
import { ConsentPin } from './steps/ConsentPin.js';
import { type Answers, Eligibility, type Refusal } from './steps/Eligibility.js';
import { RefusalPage } from './steps/RefusalPage.js';
import { Result } from './steps/Result.js';
import { SelectFiles } from './steps/SelectFiles.js';
import { Start } from './steps/Start.js';

type Step =
  | { name: 'start' }
  | { name: 'eligibility' }
  | { name: 'refusal'; reason: Refusal }
  | { name: 'files' }
  | { name: 'consent' }
  | { name: 'result'; created: CreatedCase };

type Page = 'flow' | 'case';

function pageFromHash(): Page {
  return window.location.hash.startsWith('#/case') ? 'case' : 'flow';
}

const NO_ANSWERS: Answers = { over18: null, inContent: null, intimate: null };

export function App() {
  const { t } = useTranslation();
  const [page, setPage] = useState<Page>(pageFromHash);
  const [step, setStep] = useState<Step>({ name: 'start' });
  const [answers, setAnswers] = useState<Answers>(NO_ANSWERS);
  const [lastCase, setLastCase] = useState<string | undefined>(undefined);
  const files = useFileHashing();

  useEffect(() => {
    // Only "#/..." fragments are routes; others (the skip link's "#main") are in-page anchors.
    const onHash = () => {
      if (window.location.hash === '' || window.location.hash.startsWith('#/')) setPage(pageFromHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const hashes = files.entries.filter((entry) => entry.state === 'ready').flatMap((entry) => entry.hashes);

  const restart = () => {
    files.clear();
    setAnswers(NO_ANSWERS);
    setStep({ name: 'start' });
  };

  let content: ReactNode;
  if (page === 'case') {
    content = <CasePage initialCaseNumber={lastCase} />;
  } else {
    switch (step.name) {
      case 'start':
        content = <Start onStart={() => setStep({ name: 'eligibility' })} />;
        break;
      case 'eligibility':
        content = (
          <Eligibility
            answers={answers}
            onChange={setAnswers}
            onEligible={() => setStep({ name: 'files' })}
            onRefused={(reason) => setStep({ name: 'refusal', reason })}
            onBack={() => setStep({ name: 'start' })}
          />
        );
        break;
      case 'refusal':
        content = (
          <RefusalPage
            reason={step.reason}
            onChange={() => setStep({ name: 'eligibility' })}
            onHome={() => {
              setAnswers(NO_ANSWERS);
              setStep({ name: 'start' });
            }}
          />
        );
        break;
      case 'files':
        content = (
          <SelectFiles
            entries={files.entries}
            onAdd={files.addFiles}
            onRemove={files.removeFile}
            onContinue={() => setStep({ name: 'consent' })}
            onBack={() => setStep({ name: 'eligibility' })}
          />
        );
        break;
      case 'consent':
        content = (
          <ConsentPin
            hashes={hashes}
            onBack={() => setStep({ name: 'files' })}
            onCreated={(created) => {
              // The hashes are safe at the bank: drop the files and their previews from memory.
              files.clear();
              setAnswers(NO_ANSWERS);
              setLastCase(created.caseNumber);
              setStep({ name: 'result', created });
            }}
          />
        );
        break;
      case 'result':
        content = (
          <Result
            created={step.created}
            onOpenCase={() => {
              window.location.hash = '#/case';
            }}
            onRestart={restart}
          />
        );
        break;
    }
  }

  return (
    <div className="page">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <Header page={page} />
      <main id="main" className="site-main" tabIndex={-1}>
        <div className="container">{content}</div>
      </main>
      <footer className="site-footer">
        <div className="container">{t('app.tagline')}</div>
      </footer>
    </div>
  );
}
