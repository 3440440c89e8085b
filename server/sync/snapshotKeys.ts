/**
 * The columns a stored sync row is selected by in a new device's first download (protocol/sync
 * `SNAPSHOT_PHASES`): an appointment's start and the patient it names, copied out of its field map when the
 * row is written (and by migration 016 for rows written before).
 */
export function snapshotKeys(table: string, fields: string | Record<string, { v: unknown }>) {
  if (table !== 'appointments') return { startAt: null, refId: null };
  const map = (typeof fields === 'string' ? JSON.parse(fields) : fields) as Record<string, { v: unknown } | undefined>;
  const start = map.start_at?.v;
  const patient = map.patient_id?.v;
  return {
    startAt: typeof start === 'number' ? start : null,
    refId: typeof patient === 'string' ? patient : null,
  };
}
