import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, type Dashboard as DashboardData } from '../api.js';
import { BarChart, StackedBarChart } from '../charts.js';
import { ErrorAlert, formatDateTime, formatDuration, Stat } from '../ui.js';

const FEEDBACK_SERIES = ['Blocked', 'NotBlocked', 'PendingReview'] as const;

export function Dashboard() {
  const { t, i18n } = useTranslation('console');
  const [days, setDays] = useState(30);
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    consoleApi
      .dashboard(days)
      .then((result) => live && setData(result))
      .catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [days]);

  if (error) return <ErrorAlert error={error} />;
  if (!data) return <p aria-live="polite">{t('common.loading')}</p>;

  const now = new Date(data.generatedAt).getTime();
  const sinceFetch = (iso: string | null) => (iso ? Math.max(0, (now - new Date(iso).getTime()) / 1000) : null);
  const livePartners = data.partners.filter((p) => !p.revokedAt);
  const fetched = livePartners.filter((p) => p.lastFetchAt);
  // Minutes while every partner fetched within two hours, hours otherwise.
  const freshInMinutes = fetched.every((p) => (sinceFetch(p.lastFetchAt) ?? 0) < 7200);

  return (
    <section className="stack" aria-labelledby="dashboard-title">
      <div className="console-toolbar">
        <h1 id="dashboard-title">{t('dashboard.title')}</h1>
        <label className="cluster">
          <span>{t('dashboard.period')}</span>
          <select className="select" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90].map((n) => (
              <option key={n} value={n}>
                {t('dashboard.lastDays', { count: n })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="stat-grid">
        <Stat label={t('dashboard.cases')} value={data.totals.cases} testId="stat-cases" />
        <Stat label={t('dashboard.activeHashes')} value={data.totals.activeHashes} testId="stat-active" />
        <Stat label={t('dashboard.matches')} value={data.totals.matches} testId="stat-matches" />
        <Stat label={t('dashboard.removals')} value={data.totals.removals} testId="stat-removals" />
        <Stat label={t('dashboard.pendingReview')} value={data.moderation.pending} testId="stat-pending" />
        <Stat label={t('dashboard.withheld')} value={data.moderation.withheld} testId="stat-withheld" />
      </div>
      <div className="card">
        <BarChart
          title={t('dashboard.casesOverTime')}
          labels={data.days.map((d) => d.day)}
          series={[
            { name: t('dashboard.cases'), values: data.days.map((d) => d.cases) },
            { name: t('dashboard.hashes'), values: data.days.map((d) => d.hashes) },
          ]}
          testId="chart-cases"
        />
      </div>
      <div className="console-columns">
        <div className="card">
          <StackedBarChart
            title={t('dashboard.feedbackByPartner')}
            seriesNames={FEEDBACK_SERIES.map((s) => t(`feedback.${s}`))}
            rows={data.feedbackByPartner.map((p) => ({
              label: p.partnerName,
              values: FEEDBACK_SERIES.map((s) => p.counts[s] ?? 0),
            }))}
            emptyText={t('dashboard.noFeedback')}
            testId="chart-feedback"
          />
        </div>
        <div className="card">
          <StackedBarChart
            title={t('dashboard.freshness')}
            seriesNames={[freshInMinutes ? t('dashboard.minutesSinceFetch') : t('dashboard.hoursSinceFetch')]}
            rows={fetched.map((p) => ({
              label: p.name,
              values: [Math.round(((sinceFetch(p.lastFetchAt) ?? 0) / (freshInMinutes ? 60 : 3600)) * 10) / 10],
            }))}
            unit={freshInMinutes ? ' min' : ' h'}
            emptyText={t('dashboard.noFetches')}
            testId="chart-freshness"
          />
        </div>
      </div>
      <div className="card">
        <h2>{t('dashboard.partnerSync')}</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('partners.name')}</th>
              <th scope="col">{t('partners.lastFetch')}</th>
              <th scope="col">{t('partners.lag')}</th>
            </tr>
          </thead>
          <tbody>
            {livePartners.map((p) => (
              <tr key={p.id}>
                <td data-label={t('partners.name')}>{p.name}</td>
                <td data-label={t('partners.lastFetch')}>{formatDateTime(p.lastFetchAt, i18n.language)}</td>
                <td data-label={t('partners.lag')}>{formatDuration(p.checkpointLagSeconds, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
