import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, type Partner, type Role } from '../api.js';
import { ConfirmButton, ErrorAlert, formatDateTime, formatDuration } from '../ui.js';

/** A key is shown once, right after it was made; the bank keeps only its hash. */
function KeyOnce({ partnerName, secret, onDismiss }: { partnerName: string; secret: string; onDismiss: () => void }) {
  const { t } = useTranslation('console');
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert alert--warning stack" role="status" data-testid="key-once">
      <p>
        <strong>{t('partners.keyOnceTitle', { name: partnerName })}</strong>
      </p>
      <p>{t('partners.keyOnceText')}</p>
      <p className="hash" data-testid="key-value">
        {secret}
      </p>
      <div className="cluster">
        <button
          type="button"
          className="button button--secondary"
          onClick={async () => {
            await navigator.clipboard.writeText(secret);
            setCopied(true);
          }}
        >
          {copied ? t('common.copied') : t('common.copy')}
        </button>
        <button type="button" className="button button--link" onClick={onDismiss}>
          {t('partners.keyStored')}
        </button>
      </div>
    </div>
  );
}

export function Partners({ role }: { role: Role }) {
  const { t, i18n } = useTranslation('console');
  const [partners, setPartners] = useState<Partner[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [shownKey, setShownKey] = useState<{ partnerName: string; secret: string } | null>(null);
  const isAdmin = role === 'admin';

  const load = useCallback(async () => {
    try {
      setPartners((await consoleApi.partners()).partners);
    } catch (err) {
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const created = await consoleApi.createPartner(name);
      setShownKey({ partnerName: created.name, secret: created.key });
      setName('');
    });
  };

  return (
    <section className="stack" aria-labelledby="partners-title">
      <h1 id="partners-title">{t('partners.title')}</h1>
      <ErrorAlert error={error} />
      {shownKey && (
        <KeyOnce partnerName={shownKey.partnerName} secret={shownKey.secret} onDismiss={() => setShownKey(null)} />
      )}
      {isAdmin && (
        <form className="card cluster" onSubmit={create}>
          <div className="field console-grow">
            <label className="field__label" htmlFor="partner-name">
              {t('partners.newName')}
            </label>
            <input
              id="partner-name"
              className="input"
              required
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <button type="submit" className="button button--primary" disabled={!name.trim()}>
            {t('partners.create')}
          </button>
        </form>
      )}
      {!isAdmin && <p className="muted">{t('partners.adminOnly')}</p>}
      {partners === null ? (
        <p>{t('common.loading')}</p>
      ) : partners.length === 0 ? (
        <p className="muted">{t('partners.none')}</p>
      ) : (
        <table className="table" data-testid="partners-table">
          <thead>
            <tr>
              <th scope="col">{t('partners.name')}</th>
              <th scope="col">{t('partners.status')}</th>
              <th scope="col">{t('partners.lastFetch')}</th>
              <th scope="col">{t('partners.lag')}</th>
              <th scope="col">{t('partners.extended')}</th>
              <th scope="col">{t('partners.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {partners.map((partner) => {
              const revoked = partner.revokedAt !== null;
              const vpdq = partner.extendedSignalTypes.includes('VideoVPDQ');
              return (
                <tr key={partner.id} data-testid={`partner-${partner.name}`}>
                  <td data-label={t('partners.name')}>
                    <strong>{partner.name}</strong>
                    <div className="muted hash">{partner.id}</div>
                  </td>
                  <td data-label={t('partners.status')}>
                    <span className={`badge ${revoked ? 'badge--excluded' : 'badge--ready'}`}>
                      {revoked ? t('partners.revoked') : t('partners.active')}
                    </span>
                  </td>
                  <td data-label={t('partners.lastFetch')}>{formatDateTime(partner.lastFetchAt, i18n.language)}</td>
                  <td data-label={t('partners.lag')}>{formatDuration(partner.checkpointLagSeconds, t)}</td>
                  <td data-label={t('partners.extended')}>
                    <label className="choice">
                      <input
                        type="checkbox"
                        checked={vpdq}
                        disabled={!isAdmin || revoked}
                        onChange={() =>
                          void act(async () => {
                            await consoleApi.setSignalTypes(partner.id, vpdq ? [] : ['VideoVPDQ']);
                          })
                        }
                      />
                      <span>VideoVPDQ</span>
                    </label>
                  </td>
                  <td data-label={t('partners.actions')}>
                    {isAdmin && !revoked && (
                      <div className="cluster">
                        <ConfirmButton
                          label={t('partners.rotate')}
                          confirmLabel={t('partners.rotateConfirm')}
                          question={t('partners.rotateQuestion', { name: partner.name })}
                          testId={`rotate-${partner.name}`}
                          onConfirm={() =>
                            act(async () => {
                              const { key } = await consoleApi.rotateKey(partner.id);
                              setShownKey({ partnerName: partner.name, secret: key });
                            })
                          }
                        />
                        <ConfirmButton
                          danger
                          label={t('partners.revoke')}
                          confirmLabel={t('partners.revokeConfirm')}
                          question={t('partners.revokeQuestion', { name: partner.name })}
                          testId={`revoke-${partner.name}`}
                          onConfirm={() =>
                            act(async () => {
                              await consoleApi.revokePartner(partner.id);
                            })
                          }
                        />
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
