import { useTranslation } from 'react-i18next';
import type { Statistics } from '../../../src-preload/contract';
import { uiLocale } from '../time';

const DAY = 86_400_000;
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

/** Calls per staff member and day, one line each (an SVG: no chart library for one chart). */
export function CallsChart({ statistics }: { statistics: Statistics }) {
  const { t, i18n } = useTranslation('common');
  const first = Math.floor(statistics.from / DAY);
  const last = Math.floor((statistics.to - 1) / DAY);
  const days = Math.max(1, last - first + 1);
  const max = Math.max(1, ...statistics.callsPerMember.flatMap((m) => m.days.map((d) => d.calls)));
  const width = 640;
  const height = 200;
  const pad = 28;
  const x = (day: number) => pad + ((day - first) / Math.max(1, days - 1)) * (width - 2 * pad);
  const y = (calls: number) => height - pad - (calls / max) * (height - 2 * pad);
  const label = (day: number) =>
    new Intl.DateTimeFormat(uiLocale(i18n.language), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
      day * DAY,
    );

  if (statistics.callsPerMember.length === 0) return <p className="hint">{t('admin.chart.empty')}</p>;
  return (
    <figure className="chart" data-testid="calls-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('admin.chart.title')}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#94a3b8" />
        <line x1={pad} y1={pad} x2={pad} y2={height - pad} stroke="#94a3b8" />
        <text x={4} y={pad + 4} fontSize="10">
          {max}
        </text>
        <text x={pad} y={height - 8} fontSize="10">
          {label(first)}
        </text>
        <text x={width - pad} y={height - 8} fontSize="10" textAnchor="end">
          {label(last)}
        </text>
        {statistics.callsPerMember.map((member, index) => {
          const byDay = new Map(member.days.map((d) => [d.day, d.calls]));
          const points = Array.from({ length: days }, (_, i) => `${x(first + i)},${y(byDay.get(first + i) ?? 0)}`);
          return (
            <polyline
              key={member.accountId}
              points={points.join(' ')}
              fill="none"
              stroke={COLOURS[index % COLOURS.length]}
              strokeWidth="2"
            >
              <title>{member.name}</title>
            </polyline>
          );
        })}
      </svg>
      <figcaption className="chips">
        {statistics.callsPerMember.map((member, index) => (
          <span key={member.accountId} className="chip">
            <span className="swatch" style={{ background: COLOURS[index % COLOURS.length] }} aria-hidden="true" />
            {member.name || '—'} · {member.days.reduce((sum, d) => sum + d.calls, 0)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
