/** Key/value access to the `settings` table; values are JSON so each key keeps its type. */
import type { Db } from '../db/database';

export class SettingsStore {
  private readonly selectOne;
  private readonly upsert;

  constructor(db: Db) {
    this.selectOne = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.upsert = db.prepare<[string, string, string]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  get(key: string): unknown {
    const row = this.selectOne.get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined; // a damaged value reads as unset, so the default applies
    }
  }

  set(key: string, value: unknown): void {
    this.upsert.run(key, JSON.stringify(value), new Date().toISOString());
  }
}
