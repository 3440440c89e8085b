/** Kysely's view of the server tables; grows with each migration. */
export interface ServerInfoTable {
  key: string;
  value: string;
}

export interface ServerDatabase {
  server_info: ServerInfoTable;
}
