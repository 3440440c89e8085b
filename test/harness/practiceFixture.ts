/** A core on a temporary data folder with a controllable clock, a practice in Berlin and a few people. */
import { mkdtempSync } from 'node:fs';
import { afterEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookResult, Patient } from '../../src-preload/contract';
import type { BookInput } from '../../src-main/core/practice/agendaService';
import { createCore, type Core } from '../../src-main/core/core';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { atLocal } from '../../protocol/messaging/timeZone';
import { APP_ORIGIN, isTrustedSender } from '../../src-main/core/security/policy';

export const ZONE = 'Europe/Berlin';
export const berlin = (date: string, hh: number, mm = 0) => atLocal(date, hh * 60 + mm, ZONE);

export interface Fixture {
  core: Core;
  clock: { now: number };
  dataDir: string;
  call(
    channel: string,
    input?: unknown,
  ): Promise<{ ok: boolean; value?: unknown; error?: { code: string; issues?: { path: string; code: string }[] } }>;
  tenantId: string;
  weber: string;
  lind: string;
  consultation: string;
  patient(overrides?: Partial<Omit<Patient, 'id'>>): Patient;
  /** Books with Dr. Weber, the 30-minute type, no patient, no room; overlap and confirmation off. */
  book(input: Partial<BookInput> & { startAt: number }): BookResult;
  count(table: string, where?: string): number;
}

export function practiceFixture(start = berlin('2026-06-01', 10), dataDir?: string): Fixture {
  const clock = { now: start };
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'clinicdesk-practice-'));
  const core = createCore({
    dataDir: dir,
    appVersion: 'test',
    osLocales: ['de-DE'],
    defaultServerUrl: 'http://127.0.0.1:4780',
    openExternal: () => {},
    emit: () => {},
    timeZone: ZONE,
    now: () => clock.now,
  });
  const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender });
  core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567' });
  const tenantId = core.practice.tenants()[0]!.id;
  const weber =
    core.practice.practitioners().find((p) => p.name === 'Dr. Weber')?.id ??
    core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId }).id;
  const lind =
    core.practice.practitioners().find((p) => p.name === 'Dr. Lind')?.id ??
    core.practice.createPractitioner({ name: 'Dr. Lind', colour: '#8a4fd8', tenantId }).id;
  const consultation = core.practice.types().find((t) => t.durationMin === 30)!.id;
  let n = 0;
  return {
    core,
    clock,
    dataDir: dir,
    call: (channel, input) => dispatch(channel, input, { url: `${APP_ORIGIN}/index.html`, isMainFrame: true }) as never,
    tenantId,
    weber,
    lind,
    consultation,
    patient: (overrides = {}) => {
      n += 1;
      return core.patients.create({
        firstName: 'Anna',
        lastName: `Berg${n}`,
        birthDate: '1980-05-17',
        mobile: `0171 23456${String(n).padStart(2, '0')}`,
        email: `anna${n}@example.org`,
        language: 'de',
        channel: 'sms',
        optOutSms: false,
        optOutEmail: false,
        notes: '',
        ...overrides,
      });
    },
    book: (input) =>
      core.agenda.book({
        patientId: null,
        practitionerId: weber,
        roomId: null,
        typeId: consultation,
        endAt: null,
        notes: '',
        allowOverlap: false,
        sendConfirmation: false,
        ...input,
      }),
    count: (table, where = '1') =>
      (core.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n,
  };
}

/** A fixture factory for one test file: every fixture it made is closed after each test. */
export function useFixtures(): typeof practiceFixture {
  const open: Fixture[] = [];
  afterEach(() => {
    for (const f of open.splice(0)) if (f.core.db.open) f.core.close();
  });
  return (...args) => {
    const f = practiceFixture(...args);
    open.push(f);
    return f;
  };
}
