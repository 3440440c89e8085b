/**
 * The main process without Electron: opens the database, builds the services and the command handlers.
 * The shell wires it to IPC, windows and the tray; the test bridge wires it to Chromium; benches call it
 * directly. All three run exactly this code.
 */
import { CallLogService, type CallLogLocal } from './calls/callLogService';
import { AppError } from './errors';
import { randomBytes } from 'node:crypto';
import type { CoreHandlers, EventName, EventPayload, Language, Patient } from '../../src-preload/contract';
import { databasePath, keepsWindowsOnTop, logPath } from './config';
import { checkpoint, openDatabase, type Db } from './db/database';
import { languageFromLocales } from './i18n/locale';
import { RotatingLog } from './logging/rotatingLog';
import { MessageService } from './messaging/messageService';
import { addDays, atLocal, localDate } from '../../protocol/messaging/timeZone';
import { RecallService } from './messaging/recallService';
import { SAMPLE_PATIENT, SAMPLE_RECALL_REASON } from './messaging/samples';
import { Scheduler } from './messaging/scheduler';
import { AgendaService } from './practice/agendaService';
import { PatientService } from './practice/patientService';
import { PracticeService } from './practice/practiceService';
import { buildExternalLink } from './security/policy';
import { SettingsService } from './settings/settingsService';
import { SettingsStore } from './settings/settingsStore';
import { HybridClock } from './sync/hlc';
import { Repository } from './sync/repository';
import { SyncEngine, type SyncLocal } from './sync/syncEngine';
import { SyncState } from './sync/syncState';
import { SYNC_TABLES } from '../../protocol/sync';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface CoreOptions {
  dataDir: string;
  appVersion: string;
  osLocales: readonly string[];
  defaultServerUrl: string;
  /** Hands an https URL the core built to the OS browser. */
  openExternal: (url: string) => Promise<void> | void;
  emit: Emit;
  /** The practice's time zone at first start; the system's by default. */
  timeZone?: string;
  /** The clock, replaceable in tests. */
  now?: () => number;
  /** Run due recalls and birthday greetings every minute (the app does; tests call `scheduler.tick()`). */
  runScheduler?: boolean;
  /** This workstation's name in the account's device list; the computer's name by default. */
  deviceName?: string;
  /** Whether the desktop keeps windows on top (read from the platform by default; tests set it). */
  keepsOnTop?: boolean;
}

/** The device's side of sync as the main thread's driver uses it (in the worker: through internal calls). */
export interface CoreSync extends SyncLocal, CallLogLocal {
  /** Writes every synced table to a JSON file in the data folder (before a replace); its path. */
  exportPractice(): string;
}

export interface Core {
  db: Db;
  settings: SettingsService;
  practice: PracticeService;
  patients: PatientService;
  agenda: AgendaService;
  messages: MessageService;
  recalls: RecallService;
  callLog: CallLogService;
  scheduler: Scheduler;
  repository: Repository;
  sync: CoreSync;
  handlers: CoreHandlers;
  close(): void;
}

/** This installation's id in HLC stamps: made once, kept in the database. */
function nodeId(db: Db): string {
  const state = new SyncState(db);
  const kept = state.get('node_id');
  if (kept) return kept;
  const id = randomBytes(8).toString('hex');
  state.set('node_id', id);
  return id;
}

function countryFromLocales(locales: readonly string[]): string {
  for (const locale of locales) {
    try {
      const region = new Intl.Locale(locale).maximize().region;
      if (region && /^[A-Z]{2}$/.test(region)) return region;
    } catch {
      // not a locale; try the next
    }
  }
  return 'DE';
}

export function createCore(options: CoreOptions): Core {
  const now = options.now ?? Date.now;
  const log = new RotatingLog(logPath(options.dataDir, 'app'));
  const db = openDatabase(databasePath(options.dataDir));
  try {
    const settings = new SettingsService(
      new SettingsStore(db),
      { osLocales: options.osLocales, serverUrl: options.defaultServerUrl },
      (next) => options.emit('settings.changed', next),
    );
    const node = nodeId(db);
    const repository = new Repository(db, new HybridClock(node, now));
    const engine = new SyncEngine(
      db,
      repository.clock,
      { id: node, name: (options.deviceName ?? hostname()).slice(0, 100) },
      {
        push: () => Promise.reject(new Error('the app’s sync driver talks to the server')),
        pull: () => Promise.reject(new Error('the app’s sync driver talks to the server')),
        snapshot: () => Promise.reject(new Error('the app’s sync driver talks to the server')),
      },
    );
    const callLog = new CallLogService(db);
    const sync: CoreSync = {
      callLogCursor: () => callLog.cursor(),
      callLogBatch: () => callLog.syncBatch(),
      callLogAcknowledge: (revs) => callLog.acknowledge(revs),
      applyCallLogPage: (page) => callLog.applyPage(page),
      deviceId: () => engine.deviceId(),
      nextBatch: (after) => engine.nextBatch(after),
      acknowledge: (acked) => engine.acknowledge(acked),
      cursor: () => engine.cursor(),
      applyPage: (page) => engine.applyPage(page),
      download: (at) => engine.download(at),
      takeSnapshotPage: (input) => engine.takeSnapshotPage(input),
      applyTakenPage: () => engine.applyTakenPage(),
      pending: () => engine.pending(),
      hasLocalData: () => engine.hasLocalData(),
      heldCount: () => engine.heldCount(),
      firstSyncDone: () => engine.firstSyncDone(),
      markFirstSyncDone: () => engine.markFirstSyncDone(),
      resetForAccount: () => engine.resetForAccount(),
      exportPractice: () => {
        const folder = join(options.dataDir, 'exports');
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        const file = join(folder, `practice-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.json`);
        const data = Object.fromEntries(SYNC_TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all()]));
        writeFileSync(file, JSON.stringify({ exportedAt: now(), tables: data }, null, 1), { mode: 0o600 });
        return file;
      },
    };
    const practice = new PracticeService(repository);
    practice.seed({
      language: languageFromLocales(options.osLocales),
      timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      country: countryFromLocales(options.osLocales),
    });
    const patients = new PatientService(repository, () => practice.practice().country);
    const messages = new MessageService(repository, () => practice.practice(), now);
    const agenda = new AgendaService(repository, practice, patients, messages, now);
    const recalls = new RecallService(repository, practice, patients, messages, now);
    const scheduler = new Scheduler(
      [{ run: () => recalls.runDue() }, { run: () => recalls.runBirthdays() }],
      () => options.emit('data.changed', { tables: ['messages', 'recalls'] }),
      (error) => log.error('core', error),
    );
    if (options.runScheduler) scheduler.start();
    // The WAL is checkpointed here, every few seconds, rather than inside a write (see openDatabase).
    const checkpoints = setInterval(() => checkpoint(db), 5_000);
    checkpoints.unref();

    /** A preview without an appointment shows sample values: tomorrow 09:30 with the first practitioner. */
    const sampleAppointment = () => {
      const { timeZone, name } = practice.practice();
      return {
        startAt: atLocal(addDays(localDate(now(), timeZone), 1), 9 * 60 + 30, timeZone),
        typeName: practice.types()[0]?.name,
        practitionerName: practice.practitioners()[0]?.name ?? name,
      };
    };
    const samplePatient = (language: Language): Patient => ({
      ...SAMPLE_PATIENT,
      language,
    });
    const appointmentWithPractitioner = (id: string | null | undefined) => {
      if (!id) return sampleAppointment();
      return agenda.withPractitioner(agenda.get(id));
    };

    const handlers: CoreHandlers = {
      app: {
        info: () => ({
          version: options.appVersion,
          dataDir: options.dataDir,
          keepsOnTop: options.keepsOnTop ?? keepsWindowsOnTop(process.platform, process.env),
        }),
        /** What went wrong in the renderer (an error boundary, an unhandled rejection), for the log file. */
        reportError: ({ message, stack, context }) => {
          log.write({ level: 'error', source: `renderer:${context}`, message, ...(stack ? { stack } : {}) });
          return null;
        },
        openLink: async ({ link }) => {
          await options.openExternal(buildExternalLink(link, settings.get().language));
          return null;
        },
      },
      settings: {
        get: () => settings.get(),
        setLanguage: ({ language }) => settings.setLanguage(language),
        setServerUrl: ({ serverUrl }) => settings.setServerUrl(serverUrl),
        setCallStation: ({ enabled }) => settings.setCallStation(enabled),
      },
      practice: {
        get: () => practice.practice(),
        update: (patch) => practice.updatePractice(patch),
      },
      tenants: {
        list: () => practice.tenants(),
        create: (input) => practice.createTenant(input),
      },
      practitioners: {
        list: () => practice.practitioners(),
        create: (input) => practice.createPractitioner(input),
        update: (input) => practice.updatePractitioner(input),
        setActive: ({ id, active }) => {
          practice.setActive('practitioners', id, active);
          return practice.practitioner(id);
        },
      },
      rooms: {
        list: () => practice.rooms(),
        create: (input) => practice.createRoom(input),
        update: (input) => practice.updateRoom(input),
        setActive: ({ id, active }) => {
          practice.setActive('rooms', id, active);
          return practice.room(id);
        },
      },
      appointmentTypes: {
        list: () => practice.types(),
        create: (input) => practice.createType(input),
        update: (input) => practice.updateType(input),
        setActive: ({ id, active }) => {
          practice.setActive('appointment_types', id, active);
          return practice.type(id);
        },
      },
      patients: {
        create: (input) => patients.create(input),
        update: (input) => patients.update(input),
        get: ({ id }) => patients.get(id),
        search: ({ query, limit }) => patients.search(query, limit),
        remove: ({ id }) => {
          patients.remove(id);
          return null;
        },
      },
      agenda: {
        day: ({ date, by }) => agenda.day(date, by),
        week: ({ date, by }) => agenda.week(date, by),
        book: (input) => agenda.book(input),
        move: (input) => agenda.move(input),
        copy: (input) => agenda.copy(input),
        addReminder: (input) => agenda.addReminder(input),
        update: (input) => agenda.update(input),
        cancel: (input) => agenda.cancel(input),
        undoCancel: (input) => agenda.undoCancel(input),
        nextFree: (input) => agenda.nextFree(input),
        forPatient: ({ id }) => agenda.forPatient(id),
        setStatus: ({ id, status }) => agenda.setStatus(id, status),
      },
      messages: {
        list: (filter) => messages.list(filter),
        preview: ({ channel, kind, body, subject, language, patientId, appointmentId }) => {
          const patient = messages.patientOf(patientId ?? null) ?? undefined;
          // Free text is rendered as it will be stored (the real patient, or none); a template with sample
          // values of what its kind will have.
          if (kind === 'free_text') return messages.preview({ channel, kind, body, subject, language, patient });
          const lang = language ?? patient?.language ?? 'en';
          return messages.preview({
            channel,
            kind,
            body,
            subject,
            language: lang,
            patient: patient ?? samplePatient(lang),
            appointment: appointmentWithPractitioner(appointmentId),
            recall: { reason: SAMPLE_RECALL_REASON[lang] },
          });
        },
        compose: (input) => {
          const patient = messages.patientOf(input.patientId);
          const tenants = practice.tenants();
          if (input.tenantId && !tenants.some((t) => t.id === input.tenantId))
            throw new AppError('validation', 'Unknown tenant', [{ path: 'tenantId', code: 'tenant_unknown' }]);
          return messages.compose({ ...input, patient, tenantId: input.tenantId ?? tenants[0]?.id ?? null });
        },
        cancel: ({ id }) => messages.cancel(id),
      },
      callLog: {
        add: (input) => callLog.add(input),
        list: (filter) => callLog.list(filter),
        missed: () => callLog.missed(),
        markSeen: () => callLog.markSeen(),
      },
      recalls: {
        list: () => recalls.list(),
        create: (input) => recalls.create(input),
        setStatus: ({ id, status }) => recalls.setStatus(id, status),
        runDue: () => ({ created: recalls.runDue() }),
      },
      templates: {
        list: () => messages.templates(),
        save: (input) => messages.saveTemplate(input),
      },
    };

    return {
      db,
      settings,
      practice,
      patients,
      agenda,
      messages,
      recalls,
      callLog,
      scheduler,
      repository,
      sync,
      handlers,
      close: () => {
        scheduler.stop();
        clearInterval(checkpoints);
        checkpoint(db, 'TRUNCATE');
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
