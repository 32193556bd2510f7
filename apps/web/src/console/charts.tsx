// Small SVG charts drawn by hand: no chart library, nothing fetched, no inline
// styles (colours come from classes, so the strict CSP holds). Each chart has a
// text alternative: a table a screen reader can read.
import type { ReactNode } from 'react';

export interface Series {
  name: string;
  values: number[];
}

/** "Nice" axis maximum and ticks: 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 4): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 2 && ticks.length < 20; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function DataTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: ReactNode[][] }) {
  return (
    <table className="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional and never reordered
          <tr key={i}>
            {row.map((cell, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
              <td key={j}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Legend({ names }: { names: string[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {names.map((name, i) => (
        <li key={name}>
          <svg width="12" height="12" aria-hidden="true" focusable="false">
            <rect width="12" height="12" rx="2" className={`chart-series-${i}`} />
          </svg>
          {name}
        </li>
      ))}
    </ul>
  );
}

/** Grouped vertical bars over categories (days). */
export function BarChart({
  title,
  labels,
  series,
  testId,
}: {
  title: string;
  labels: string[];
  series: Series[];
  testId?: string;
}) {
  const width = 640;
  const height = 220;
  const margin = { top: 10, right: 10, bottom: 28, left: 40 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const band = labels.length ? innerW / labels.length : innerW;
  const barW = Math.max(1, (band * 0.8) / Math.max(1, series.length));
  const y = (v: number) => innerH - (v / top) * innerH;
  const labelEvery = Math.max(1, Math.ceil(labels.length / 8));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__title">{title}</figcaption>
      <Legend names={series.map((s) => s.name)} />
      <svg viewBox={`0 0 ${width} ${height}`} className="chart__svg" role="img" aria-label={title}>
        <g transform={`translate(${margin.left},${margin.top})`}>
          {ticks.map((tick) => (
            <g key={tick} transform={`translate(0,${y(tick)})`}>
              <line x2={innerW} className="chart-grid" />
              <text x={-6} dy="0.32em" textAnchor="end" className="chart-axis">
                {tick}
              </text>
            </g>
          ))}
          {labels.map((label, i) => (
            <g key={label} transform={`translate(${i * band + band * 0.1},0)`}>
              {series.map((s, j) => (
                <rect
                  key={s.name}
                  x={j * barW}
                  y={y(s.values[i] ?? 0)}
                  width={barW}
                  height={innerH - y(s.values[i] ?? 0)}
                  className={`chart-series-${j}`}
                >
                  <title>{`${label} — ${s.name}: ${s.values[i] ?? 0}`}</title>
                </rect>
              ))}
              {i % labelEvery === 0 && (
                <text x={(band * 0.8) / 2} y={innerH + 18} textAnchor="middle" className="chart-axis">
                  {label.slice(5)}
                </text>
              )}
            </g>
          ))}
        </g>
      </svg>
      <DataTable
        caption={title}
        columns={['', ...series.map((s) => s.name)]}
        rows={labels.map((label, i) => [label, ...series.map((s) => s.values[i] ?? 0)])}
      />
    </figure>
  );
}

/** Horizontal stacked bars, one row per category (partner). */
export function StackedBarChart({
  title,
  rows,
  seriesNames,
  emptyText,
  testId,
  unit = '',
}: {
  title: string;
  rows: { label: string; values: number[] }[];
  seriesNames: string[];
  emptyText: string;
  testId?: string;
  unit?: string;
}) {
  if (rows.length === 0) {
    return (
      <figure className="chart" data-testid={testId}>
        <figcaption className="chart__title">{title}</figcaption>
        <p className="muted">{emptyText}</p>
      </figure>
    );
  }
  // Narrower than the time chart: these sit in half-width columns, and a small
  // viewBox keeps their text readable when scaled down.
  const rowH = 28;
  const labelW = 120;
  const width = 420;
  const innerW = width - labelW - 50;
  const height = rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((row) => row.values.reduce((a, b) => a + b, 0)));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__title">{title}</figcaption>
      {seriesNames.length > 1 && <Legend names={seriesNames} />}
      <svg viewBox={`0 0 ${width} ${height}`} className="chart__svg" role="img" aria-label={title}>
        {rows.map((row, i) => {
          let x = labelW;
          const total = row.values.reduce((a, b) => a + b, 0);
          return (
            <g key={row.label} transform={`translate(0,${i * rowH + 4})`}>
              <text x={labelW - 8} y={rowH / 2} dy="0.32em" textAnchor="end" className="chart-axis">
                {row.label.length > 16 ? `${row.label.slice(0, 15)}…` : row.label}
              </text>
              {row.values.map((value, j) => {
                const w = (value / max) * innerW;
                const rect = (
                  <rect
                    key={seriesNames[j] ?? j}
                    x={x}
                    y={3}
                    width={w}
                    height={rowH - 8}
                    className={`chart-series-${j}`}
                  >
                    <title>{`${row.label} — ${seriesNames[j] ?? ''}: ${value}${unit}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              <text x={x + 6} y={rowH / 2} dy="0.32em" className="chart-axis">
                {`${Number.isInteger(total) ? total : total.toFixed(1)}${unit}`}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable
        caption={title}
        columns={['', ...seriesNames]}
        rows={rows.map((row) => [row.label, ...row.values.map((v) => `${v}${unit}`)])}
      />
    </figure>
  );
}
