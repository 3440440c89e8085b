/**
 * Turns a raw (channel, input, sender) into a validated handler call and a Result. Used by the Electron IPC
 * registration and by the test bridge alike, so both enforce exactly the same checks.
 */
import type { z } from 'zod';
import {
  commandEntries,
  type BridgeError,
  type Channel,
  type CommandEntry,
  type AccountHandlers,
  type ShellHandlers,
  type SyncHandlers,
  type CoreHandlers,
  type FieldIssue,
  type Result,
} from '../../../src-preload/contract';
import { AppError } from '../errors';

export interface Sender {
  /** URL of the frame that sent the command. */
  url: string;
  /** False for a subframe: only the top-level document may call. */
  isMainFrame: boolean;
}

export type Dispatch = (channel: string, input: unknown, sender: Sender) => Promise<Result<unknown>>;

export interface DispatcherOptions {
  /** The core's handlers, and the account groups' where a server session exists (the app, the e2e bridge). */
  handlers: CoreHandlers & Partial<AccountHandlers> & Partial<ShellHandlers> & Partial<SyncHandlers>;
  isTrustedSender: (sender: Sender) => boolean;
  log?: (message: string, error: unknown) => void;
}

const entriesByChannel = new Map<string, CommandEntry>(commandEntries.map((e) => [e.channel, e]));

/** Our schemas name their failures with keys ('email_invalid'); zod's own messages are sentences. */
const OWN_KEY = /^[a-z][a-z0-9_]*$/;

export const toFieldIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: OWN_KEY.test(issue.message) ? issue.message : issue.code,
  }));

const fail = (error: BridgeError): Result<never> => ({ ok: false, error });

export function createDispatcher({ handlers, isTrustedSender, log }: DispatcherOptions): Dispatch {
  return async (channel, input, sender) => {
    if (!isTrustedSender(sender)) {
      return fail({ code: 'forbidden_sender', message: 'Commands are accepted only from the app itself' });
    }
    const entry = entriesByChannel.get(channel);
    if (!entry) return fail({ code: 'unknown_command', message: `Unknown command: ${channel}` });

    const parsed = entry.input.safeParse(input);
    if (!parsed.success) {
      return fail({ code: 'validation', message: `Invalid input for ${channel}`, issues: toFieldIssues(parsed.error) });
    }
    const group = handlers[entry.group] as Record<string, (input: unknown) => unknown> | undefined;
    const handler = group?.[entry.name];
    try {
      if (!handler) throw new Error(`No handler for ${entry.channel as Channel}`);
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof AppError) {
        return fail({ code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) });
      }
      // Unexpected: log it here, hand the renderer a code and never a stack.
      log?.(`command ${channel} failed`, error);
      return fail({ code: 'internal', message: 'Unexpected error' });
    }
  };
}
