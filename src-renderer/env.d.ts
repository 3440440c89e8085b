/// <reference types="vite/client" />
import type { ClinicApi } from '../src-preload/contract';

declare global {
  interface Window {
    /** The bridge: the only way to the main process. */
    readonly clinic: ClinicApi;
  }
}

export {};
