/** The practice's own set-up: name, time zone, quiet hours, birthday greetings; practitioners, rooms, types. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { getCountries } from 'libphonenumber-js/min';
import { useTranslation } from 'react-i18next';
import { workingHoursOf, type BridgeError, type Practice, type WorkingHours } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useAppStore, type PracticeData } from '../store';
import { minuteLabel, uiLocale } from '../time';
import { logoDataUrl } from './logoImage';

const toMinute = (hhmm: string) => {
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  return hh * 60 + mm;
};

/** The IANA time zones this runtime knows (the current one kept even if it is not among them). */
function timeZones(current: string): string[] {
  const all = Intl.supportedValuesOf('timeZone');
  return all.includes(current) ? all : [current, ...all];
}

/** Every country libphonenumber knows (the practice's country reads its patients' numbers), named in the UI language. */
function countries(locale: string): [string, string][] {
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  return getCountries()
    .map((code): [string, string] => [code, names.of(code) ?? code])
    .sort((a, b) => a[1].localeCompare(b[1], locale));
}

/** Monday to Sunday as ISO numbers; their names come from Intl in the UI language. */
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const weekdayName = (day: number, language: string) =>
  new Intl.DateTimeFormat(uiLocale(language), { weekday: 'short', timeZone: 'UTC' }).format(
    Date.UTC(2026, 10, 29 + day),
  );

function PracticeForm({ practice }: { practice: Practice }) {
  const { t, i18n } = useTranslation('common');
  const reload = useAppStore((s) => s.loadPracticeData);
  const [draft, setDraft] = useState(practice);
  const [saved, setSaved] = useState(false);
  const [logoProblem, setLogoProblem] = useState<'logo_unreadable' | 'logo_too_large' | null>(null);
  const { error, busy, run } = useCommand();
  const set = <K extends keyof Practice>(key: K, value: Practice[K]) => {
    setSaved(false);
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(window.clinic.practice.update(draft))) {
      setSaved(true);
      await reload();
    }
  };
  const field = (key: 'name' | 'phone', label: string) => (
    <label>
      {label}
      <input data-testid={`practice-${key}`} value={draft[key]} onChange={(e) => set(key, e.target.value)} />
      <FieldError error={error} field={key} />
    </label>
  );
  return (
    <form className="form-grid two" onSubmit={submit} noValidate data-testid="practice-form">
      {field('name', t('practiceSettings.name'))}
      {field('phone', t('practiceSettings.phone'))}
      <label>
        {t('practiceSettings.timeZone')}
        <select
          data-testid="practice-timeZone"
          value={draft.timeZone}
          onChange={(e) => set('timeZone', e.target.value)}
        >
          {timeZones(draft.timeZone).map((zone) => (
            <option key={zone} value={zone}>
              {zone.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        <FieldError error={error} field="timeZone" />
      </label>
      <label>
        {t('practiceSettings.country')}
        <select data-testid="practice-country" value={draft.country} onChange={(e) => set('country', e.target.value)}>
          {countries(uiLocale(i18n.language)).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
        <FieldError error={error} field="country" />
      </label>
      <div className="row">
        <label>
          {t('practiceSettings.quietFrom')}
          <input
            type="time"
            value={minuteLabel(draft.quietStart)}
            onChange={(e) => set('quietStart', toMinute(e.target.value))}
          />
        </label>
        <label>
          {t('practiceSettings.quietTo')}
          <input
            type="time"
            value={minuteLabel(draft.quietEnd)}
            onChange={(e) => set('quietEnd', toMinute(e.target.value))}
          />
        </label>
      </div>
      <div className="row">
        <label>
          {t('practiceSettings.opensAt')}
          <input
            type="time"
            data-testid="practice-opens"
            value={minuteLabel(draft.openingStart)}
            onChange={(e) => set('openingStart', toMinute(e.target.value))}
          />
        </label>
        <label>
          {t('practiceSettings.closesAt')}
          <input
            type="time"
            data-testid="practice-closes"
            value={minuteLabel(draft.openingEnd)}
            onChange={(e) => set('openingEnd', toMinute(e.target.value))}
          />
          <FieldError error={error} field="openingEnd" />
        </label>
      </div>
      <fieldset className="weekdays">
        <legend>{t('practiceSettings.openOn')}</legend>
        <WeekdayChecks
          days={draft.openingDays}
          onChange={(days) => set('openingDays', days)}
          testId={(day) => `practice-day-${day}`}
        />
        <FieldError error={error} field="openingDays" />
      </fieldset>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={draft.birthdayEnabled}
            onChange={(e) => set('birthdayEnabled', e.target.checked)}
          />
          {t('practiceSettings.birthdayEnabled')}
        </label>
        <label>
          {t('practiceSettings.birthdayAt')}
          <input
            type="time"
            value={minuteLabel(draft.birthdayMinute)}
            onChange={(e) => set('birthdayMinute', toMinute(e.target.value))}
          />
        </label>
      </div>
      <div className="span logo-field">
        <span id="practice-logo-label">{t('practiceSettings.logo')}</span>
        <div className="row">
          {draft.logo && (
            <img
              src={draft.logo}
              alt={t('practiceSettings.logoPreview')}
              className="logo-preview"
              data-testid="practice-logo-preview"
            />
          )}
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            aria-labelledby="practice-logo-label"
            data-testid="practice-logo"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              const picked = await logoDataUrl(file);
              setLogoProblem(picked.ok ? null : picked.code);
              if (picked.ok) set('logo', picked.dataUrl);
            }}
          />
          {draft.logo && (
            <button type="button" className="link" data-testid="practice-logo-remove" onClick={() => set('logo', '')}>
              {t('practiceSettings.logoRemove')}
            </button>
          )}
        </div>
        <p className="hint">{t('practiceSettings.logoHint')}</p>
        {logoProblem && (
          <p className="field-error" role="alert" data-testid="practice-logo-error">
            {t(`errors.field.${logoProblem}`)}
          </p>
        )}
        <FieldError error={error} field="logo" />
      </div>
      <div className="span">
        <FormError
          error={error}
          fields={['name', 'phone', 'timeZone', 'country', 'openingEnd', 'openingDays', 'logo']}
        />
      </div>
      <div className="actions span">
        {saved && <span role="status">{t('common.saved')}</span>}
        <button type="submit" disabled={busy} data-testid="practice-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

function AddForm({ testId, onAdd, children }: { testId: string; onAdd: () => Promise<boolean>; children: ReactNode }) {
  const { t } = useTranslation('common');
  return (
    <form
      className="row add-form"
      data-testid={testId}
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        await onAdd();
      }}
    >
      {children}
      <button type="submit">{t('common.add')}</button>
    </form>
  );
}

/** A checkbox per weekday (Monday first), named in the UI language; the chosen days kept in order. */
function WeekdayChecks({
  days,
  onChange,
  testId,
}: {
  days: readonly number[];
  onChange: (days: number[]) => void;
  testId: (day: number) => string;
}) {
  const { i18n } = useTranslation('common');
  return (
    <>
      {WEEKDAYS.map((day) => (
        <label key={day} className="check">
          <input
            type="checkbox"
            data-testid={testId(day)}
            checked={days.includes(day)}
            onChange={(e) =>
              onChange(e.target.checked ? [...days, day].sort((a, b) => a - b) : days.filter((d) => d !== day))
            }
          />
          {weekdayName(day, i18n.language)}
        </label>
      ))}
    </>
  );
}

/** "Tue, Wed, Thu 10:00–14:30" in the UI language. */
function hoursSummary(hours: WorkingHours, language: string): string {
  const days = hours.days.map((d) => weekdayName(d, language)).join(', ');
  return `${days} ${minuteLabel(hours.start)}–${minuteLabel(hours.end)}`;
}

/**
 * A practitioner's working hours: the practice's opening hours unless "own working hours" is ticked; then
 * start, end and the days, starting from the opening hours. The next free slot and the agenda's shading
 * follow them.
 */
function WorkingHoursFields({
  value,
  practice,
  onChange,
  testId,
  error,
}: {
  value: WorkingHours | null;
  practice: WorkingHours;
  onChange: (hours: WorkingHours | null) => void;
  testId: string;
  error: BridgeError | null;
}) {
  const { t, i18n } = useTranslation('common');
  return (
    <fieldset className="working-hours" data-testid={testId}>
      <legend>{t('practiceSettings.workingHours')}</legend>
      <label className="check">
        <input
          type="checkbox"
          data-testid={`${testId}-own`}
          checked={value !== null}
          onChange={(e) => onChange(e.target.checked ? { ...practice, days: [...practice.days] } : null)}
        />
        {t('practiceSettings.ownHours')}
      </label>
      {value === null ? (
        <p className="hint">{t('practiceSettings.practiceHours', { hours: hoursSummary(practice, i18n.language) })}</p>
      ) : (
        <>
          <div className="row">
            <label>
              {t('practiceSettings.worksFrom')}
              <input
                type="time"
                data-testid={`${testId}-start`}
                value={minuteLabel(value.start)}
                onChange={(e) => onChange({ ...value, start: toMinute(e.target.value) })}
              />
            </label>
            <label>
              {t('practiceSettings.worksUntil')}
              <input
                type="time"
                data-testid={`${testId}-end`}
                value={minuteLabel(value.end)}
                onChange={(e) => onChange({ ...value, end: toMinute(e.target.value) })}
              />
              <FieldError error={error} field="workingHours.end" />
            </label>
          </div>
          <div className="weekdays" role="group" aria-label={t('practiceSettings.worksOn')}>
            <WeekdayChecks
              days={value.days}
              onChange={(days) => onChange({ ...value, days })}
              testId={(day) => `${testId}-day-${day}`}
            />
            <FieldError error={error} field="workingHours.days" />
          </div>
        </>
      )}
    </fieldset>
  );
}

/**
 * One practitioner, room or type in the settings: renamed and recoloured in place, deactivated (kept in
 * the records, no longer offered for bookings) or activated again.
 */
function TeamRow({
  name,
  colour,
  active,
  detail,
  testId,
  hours,
  error,
  onSave,
  onActive,
}: {
  name: string;
  colour?: string;
  active: boolean;
  detail?: string;
  testId: string;
  /** Practitioners: their working hours (null: the practice's), editable with name and colour. */
  hours?: { own: WorkingHours | null; practice: WorkingHours };
  error?: BridgeError | null;
  onSave: (name: string, colour?: string, hours?: WorkingHours | null) => Promise<boolean>;
  onActive: (active: boolean) => Promise<boolean>;
}) {
  const { t, i18n } = useTranslation('common');
  const [editing, setEditing] = useState(false);
  const [draftName, setDraftName] = useState(name);
  const [draftColour, setDraftColour] = useState(colour);
  const [draftHours, setDraftHours] = useState(hours?.own ?? null);
  if (editing)
    return (
      <li data-testid={testId}>
        <form
          className="row"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            if (await onSave(draftName, draftColour, hours ? draftHours : undefined)) setEditing(false);
          }}
        >
          <input
            aria-label={t('patients.name')}
            value={draftName}
            data-testid={`${testId}-name`}
            onChange={(e) => setDraftName(e.target.value)}
          />
          {draftColour !== undefined && (
            <input
              type="color"
              aria-label={t('practiceSettings.colour')}
              value={draftColour}
              data-testid={`${testId}-colour`}
              onChange={(e) => setDraftColour(e.target.value)}
            />
          )}
          <button type="submit" data-testid={`${testId}-save`}>
            {t('common.save')}
          </button>
          <button type="button" className="secondary" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
          {hours && (
            <WorkingHoursFields
              value={draftHours}
              practice={hours.practice}
              onChange={setDraftHours}
              testId={`${testId}-hours`}
              error={error ?? null}
            />
          )}
        </form>
      </li>
    );
  return (
    <li data-testid={testId} data-active={active} className={active ? undefined : 'inactive'}>
      {colour && <span className="swatch" style={{ background: colour }} />} {name}
      {detail}
      {hours?.own && (
        <span className="hint" data-testid={`${testId}-hours-summary`}>
          {' '}
          · {hoursSummary(hours.own, i18n.language)}
        </span>
      )}
      {!active && <> · {t('practiceSettings.inactive')}</>}{' '}
      <button type="button" className="link" data-testid={`${testId}-edit`} onClick={() => setEditing(true)}>
        {t('patients.editShort')}
      </button>{' '}
      <button type="button" className="link" data-testid={`${testId}-active`} onClick={() => void onActive(!active)}>
        {t(active ? 'practiceSettings.deactivate' : 'practiceSettings.activate')}
      </button>
    </li>
  );
}

function Team({ data }: { data: PracticeData }) {
  const { t } = useTranslation('common');
  const reload = useAppStore((s) => s.loadPracticeData);
  const { error, run } = useCommand();
  const [name, setName] = useState('');
  const [colour, setColour] = useState('#0b6e6e');
  const [room, setRoom] = useState('');
  const [type, setType] = useState({ name: '', colour: '#2f6fdf', durationMin: 30, reminder: true, isVideo: false });
  const done = async <T,>(result: T | null) => {
    if (result) await reload();
    return result !== null;
  };
  return (
    <div className="team">
      <h3>{t('practiceSettings.practitioners')}</h3>
      <ul className="plain">
        {data.practitioners.map((p) => (
          <TeamRow
            key={p.id}
            testId="team-practitioner"
            name={p.name}
            colour={p.colour}
            active={p.active}
            hours={{ own: p.workingHours, practice: workingHoursOf(data.practice) }}
            error={error}
            onSave={async (name, colour, workingHours) =>
              done(await run(window.clinic.practitioners.update({ id: p.id, name, colour, workingHours })))
            }
            onActive={async (active) => done(await run(window.clinic.practitioners.setActive({ id: p.id, active })))}
          />
        ))}
      </ul>
      <AddForm
        testId="add-practitioner"
        onAdd={async () => {
          const ok = await done(
            await run(window.clinic.practitioners.create({ name, colour, tenantId: data.tenants[0]?.id ?? '' })),
          );
          if (ok) setName('');
          return ok;
        }}
      >
        <input
          aria-label={t('practiceSettings.newName')}
          placeholder={t('practiceSettings.newName')}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <input
          type="color"
          aria-label={t('practiceSettings.colour')}
          value={colour}
          onChange={(e) => setColour(e.target.value)}
        />
      </AddForm>
      <h3>{t('practiceSettings.rooms')}</h3>
      <ul className="plain">
        {data.rooms.map((r) => (
          <TeamRow
            key={r.id}
            testId="team-room"
            name={r.name}
            active={r.active}
            onSave={async (name) => done(await run(window.clinic.rooms.update({ id: r.id, name })))}
            onActive={async (active) => done(await run(window.clinic.rooms.setActive({ id: r.id, active })))}
          />
        ))}
      </ul>
      <AddForm
        testId="add-room"
        onAdd={async () => {
          const ok = await done(await run(window.clinic.rooms.create({ name: room })));
          if (ok) setRoom('');
          return ok;
        }}
      >
        <input
          aria-label={t('practiceSettings.newName')}
          placeholder={t('practiceSettings.newName')}
          value={room}
          onChange={(e) => setRoom(e.target.value)}
        />
      </AddForm>
      <h3>{t('practiceSettings.types')}</h3>
      <ul className="plain">
        {data.types.map((ty) => (
          <TeamRow
            key={ty.id}
            testId="team-type"
            name={ty.name}
            colour={ty.colour}
            active={ty.active}
            detail={[
              ` · ${ty.durationMin}′`,
              ty.reminderRules.length > 0 ? ` · ${t('practiceSettings.reminderDayBefore')}` : '',
              ty.isVideo ? ` · ${t('practiceSettings.video')}` : '',
            ].join('')}
            onSave={async (name, colour) =>
              done(await run(window.clinic.appointmentTypes.update({ id: ty.id, name, colour })))
            }
            onActive={async (active) =>
              done(await run(window.clinic.appointmentTypes.setActive({ id: ty.id, active })))
            }
          />
        ))}
      </ul>
      <AddForm
        testId="add-type"
        onAdd={async () =>
          done(
            await run(
              window.clinic.appointmentTypes.create({
                name: type.name,
                colour: type.colour,
                durationMin: type.durationMin,
                isVideo: type.isVideo,
                confirmOnBooking: false,
                reminderRules: type.reminder ? [{ offsetMinutes: 1440, channel: 'preferred' }] : [],
              }),
            ),
          )
        }
      >
        <input
          aria-label={t('practiceSettings.newName')}
          placeholder={t('practiceSettings.newName')}
          value={type.name}
          onChange={(e) => setType({ ...type, name: e.target.value })}
        />
        <input
          type="number"
          min={5}
          max={720}
          step={5}
          aria-label={t('practiceSettings.duration')}
          value={type.durationMin}
          onChange={(e) => setType({ ...type, durationMin: Number(e.target.value) })}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={type.reminder}
            onChange={(e) => setType({ ...type, reminder: e.target.checked })}
          />
          {t('practiceSettings.reminderDayBefore')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={type.isVideo}
            onChange={(e) => setType({ ...type, isVideo: e.target.checked })}
          />
          {t('practiceSettings.video')}
        </label>
      </AddForm>
      <FieldError error={error} field="name" />
      <FieldError error={error} field="active" testId="team-error" />
      <FormError error={error} fields={['name', 'active', 'workingHours.end', 'workingHours.days']} />
      <h3>{t('practiceSettings.tenants')}</h3>
      <ul className="plain">
        {data.tenants.map((tenant) => (
          <li key={tenant.id}>
            {tenant.name} · {t('practiceSettings.credits', { count: tenant.smsCredits })}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function PracticeSettings() {
  const { t } = useTranslation('common');
  const data = useAppStore((s) => s.data);
  if (!data) return null;
  return (
    <>
      <section className="card">
        <h2>{t('practiceSettings.title')}</h2>
        <PracticeForm practice={data.practice} />
      </section>
      <section className="card">
        <h2>{t('practiceSettings.team')}</h2>
        <Team data={data} />
      </section>
    </>
  );
}
