/** The one protocol between the ClinicDesk server, the desktop app and the browser pages. */
export * from './route';
export * from './primitives';
export * from './accounts';
export * from './admin';
export * from './calls';
export * from './client';
