// The event row a persisted send writes (issue 15: "seq bump + insert + the event row, one transaction"),
// for the raw baselines. Into a copy of chat_event with the same columns, defaults and indexes, so the
// insert costs what the app's does, but no sequencer (the app under test shares the database) ever sees it.
export const EVENT_TABLE = 'bench_raw_event';

export async function createEventTable(pool) {
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${EVENT_TABLE} (LIKE chat_event INCLUDING ALL)`);
  } catch (error) {
    // The other baseline created it at the same moment.
    if (error.code !== '23505' && error.code !== '42P07') throw error;
  }
}

export const INSERT_EVENT = `INSERT INTO ${EVENT_TABLE} (type, conversation_id, message_id, data) VALUES ('message.created', $1, $2, $3)`;
