import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A recording stand-in for the parts of 'electron' the shell uses; the shell tests load it with
 * vi.mock('electron', ...). It records what the shell asked for, so the tests can check the security
 * options and drive the handlers the shell installed.
 */
type Listener = (...args: never[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  /** As Node's EventEmitter: the listener runs once and is then removed. */
  once(event: string, listener: Listener): this {
    const wrapped = ((...args: unknown[]) => {
      this.listeners.set(
        event,
        (this.listeners.get(event) ?? []).filter((l) => l !== wrapped),
      );
      return (listener as (...a: unknown[]) => unknown)(...args);
    }) as Listener;
    return this.on(event, wrapped);
  }
  removeAllListeners(event?: string): this {
    if (event) this.listeners.delete(event);
    else this.listeners.clear();
    return this;
  }
  emit(event: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(event) ?? []).map((listener) => (listener as (...a: unknown[]) => unknown)(...args));
  }
}

/** An Electron event object: listeners may call preventDefault(). */
export const fakeEvent = () => {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
};

export const recorded = {
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, (event: unknown, input: unknown) => Promise<unknown>>(),
  reset() {
    lifecycle.ready = false;
    this.schemes.length = 0;
    this.protocolHandlers.clear();
    this.ipcHandlers.clear();
    BrowserWindow.instances.length = 0;
    Notification.created.length = 0;
    Tray.instances.length = 0;
    Menu.applicationMenu = undefined;
    session.defaultSession = new FakeSession();
    dialog.errors.length = 0;
    net.requests.length = 0;
    shell.opened.length = 0;
  },
};

/** Whether the fake app is ready (some Electron calls are only allowed before, some only after). */
export const lifecycle = { ready: false };

export const protocol = {
  /** protocol.md: "can only be used before the ready event"; Electron throws afterwards. */
  registerSchemesAsPrivileged: (schemes: unknown[]) => {
    if (lifecycle.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    recorded.schemes.push(...schemes);
  },
  /** A second handler for a scheme fails, as Electron's registerProtocol does. */
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
    if (recorded.protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const ipcMain = {
  /** ipc-main.md: one handler per channel; Electron throws on a second. */
  handle: (channel: string, handler: (event: unknown, input: unknown) => Promise<unknown>) => {
    if (recorded.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    recorded.ipcHandlers.set(channel, handler);
  },
};

export class FakeWebContents extends Emitter {
  windowOpenHandler?: (details: { url: string }) => { action: string };
  sent: [string, unknown][] = [];
  private loading = false;
  /** web-contents.md: true from did-start-loading until did-stop-loading — also during did-finish-load. */
  isLoading() {
    return this.loading;
  }
  startLoad() {
    this.loading = true;
    this.emit('did-start-loading');
  }
  /** The page has loaded: dom-ready and did-finish-load come while isLoading() is still true. */
  finishLoad() {
    this.emit('dom-ready');
    this.emit('did-finish-load');
    this.loading = false;
    this.emit('did-stop-loading');
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return false;
  }
}

export class BrowserWindow extends Emitter {
  static instances: BrowserWindow[] = [];
  loadedUrl = '';
  alwaysOnTop: boolean;
  webContents = new FakeWebContents();
  constructor(readonly options: { webPreferences: Record<string, unknown>; alwaysOnTop?: boolean }) {
    super();
    this.alwaysOnTop = options.alwaysOnTop ?? false;
    BrowserWindow.instances.push(this);
  }
  loadedUrls: string[] = [];
  loadURL(url: string) {
    this.loadedUrl = url;
    this.loadedUrls.push(url);
    this.webContents.startLoad();
    return Promise.resolve();
  }
  /**
   * browser-window.md: 'close' can be prevented; otherwise the window is destroyed and 'closed' follows.
   * Returns whether it closed.
   */
  close(): boolean {
    if (this.destroyed) return true;
    const event = fakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroyed = true;
    this.emit('closed');
    return true;
  }
  shown = false;
  focused = false;
  minimized = false;
  flashing = false;
  show() {
    this.shown = true;
  }
  focus() {
    this.focused = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  flashFrame(flag: boolean) {
    this.flashing = flag;
  }
  destroyed = false;
  isDestroyed() {
    return this.destroyed;
  }
  fullScreen = false;
  hidden = false;
  isFullScreen() {
    return this.fullScreen;
  }
  /** As on macOS: leaving full screen is animated; 'leave-full-screen' comes afterwards, not at once. */
  setFullScreen(on: boolean) {
    const was = this.fullScreen;
    this.fullScreen = on;
    if (was && !on) setTimeout(() => this.emit('leave-full-screen'), 0);
  }
  /** A window hidden while still in full screen leaves its Space black (what `hidden` records). */
  blackSpace = false;
  hide() {
    if (this.fullScreen) this.blackSpace = true;
    this.hidden = true;
  }
  alwaysOnTopLevel: string | undefined;
  visibleOnAllWorkspaces: { on: boolean; options?: { visibleOnFullScreen?: boolean } } | undefined;
  setAlwaysOnTop(value: boolean, level?: string) {
    this.alwaysOnTop = value;
    this.alwaysOnTopLevel = level;
  }
  setVisibleOnAllWorkspaces(on: boolean, options?: { visibleOnFullScreen?: boolean }) {
    this.visibleOnAllWorkspaces = { on, options };
  }
}

export class FakeSession {
  requestHandler?: (
    wc: unknown,
    permission: string,
    callback: (granted: boolean) => void,
    details: { requestingUrl: string; mediaTypes?: ('video' | 'audio')[] },
  ) => void;
  checkHandler?: (wc: unknown, permission: string, origin: string) => boolean;
  deviceHandler?: (details: { origin: string }) => boolean;
  /**
   * A permission request as Electron makes it: the web contents is null when the request does not come
   * from one (session.md: "webContents (WebContents | null)"), and screen capture arrives as `media`.
   */
  requestPermission(
    permission: string,
    details: { requestingUrl: string; mediaTypes?: ('video' | 'audio')[] },
    webContents: unknown = null,
  ): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (!this.requestHandler) return resolve(true); // Electron's default grants
      try {
        this.requestHandler(webContents, permission, resolve, details);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }
  setPermissionRequestHandler(handler: NonNullable<FakeSession['requestHandler']>) {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<FakeSession['checkHandler']>) {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: NonNullable<FakeSession['deviceHandler']>) {
    this.deviceHandler = handler;
  }
  displayMediaHandler?: (request: DisplayMediaRequest, callback: (streams: unknown) => void) => void;
  displayMediaOptions?: { useSystemPicker?: boolean };
  setDisplayMediaRequestHandler(
    handler: FakeSession['displayMediaHandler'] | null,
    options?: { useSystemPicker?: boolean },
  ) {
    this.displayMediaHandler = handler ?? undefined;
    this.displayMediaOptions = options;
  }
  /**
   * What Electron does with the handler's answer (session.md; electron_browser_context.cc
   * DisplayMediaDeviceChosen): `null`/nothing ends the request as denied; `{}` while video was requested
   * throws a TypeError inside the handler; the video must be a DesktopCapturerSource-like {id, name}.
   */
  requestDisplayMedia(request: DisplayMediaRequest): Promise<{ granted: unknown } | { denied: true }> {
    return new Promise((resolve, reject) => {
      if (!this.displayMediaHandler) return reject(new Error('Not supported'));
      this.displayMediaHandler(request, (streams) => {
        if (streams === null || streams === undefined) return resolve({ denied: true });
        const video = (streams as { video?: { id?: unknown; name?: unknown } }).video;
        if (request.videoRequested && !video)
          throw new TypeError('Video was requested, but no video stream was provided');
        if (video && (typeof video.id !== 'string' || typeof video.name !== 'string'))
          throw new TypeError('video must be a WebFrameMain or DesktopCapturerSource');
        resolve({ granted: streams });
      });
    });
  }
}

export interface DisplayMediaRequest {
  frame: { url: string; parent: unknown } | null;
  securityOrigin: string;
  videoRequested: boolean;
  audioRequested: boolean;
  userGesture: boolean;
}

/** desktopCapturer: main process only; sources with a thumbnail NativeImage. */
export const desktopCapturer = {
  sources: [] as { id: string; name: string; png: string }[],
  calls: [] as unknown[],
  async getSources(options: unknown) {
    desktopCapturer.calls.push(options);
    return desktopCapturer.sources.map((s) => ({
      id: s.id,
      name: s.name,
      display_id: '',
      appIcon: null,
      thumbnail: { toDataURL: () => `data:image/png;base64,${s.png}` },
    }));
  },
};

export interface MenuItemOptions {
  id?: string;
  label?: string;
  type?: string;
  checked?: boolean;
  click?: (item: { checked: boolean }) => void;
}

export const Menu = {
  buildFromTemplate: (items: MenuItemOptions[]) => ({ items }),
  /** null removes the menu (and its accelerators) on Windows and Linux. */
  applicationMenu: undefined as { items: MenuItemOptions[] } | null | undefined,
  setApplicationMenu(menu: { items: MenuItemOptions[] } | null) {
    Menu.applicationMenu = menu;
  },
};
/**
 * nativeImage.createFromPath (native-image.md): on macOS a file whose name ends in "Template" is a template
 * image (black and alpha, tinted by the menu bar); `@2x` files beside it are picked for Retina screens.
 */
export const nativeImage = {
  createFromPath: (path: string) => ({ path, template: /Template\.png$/.test(path) }),
};

export class Tray extends Emitter {
  static instances: Tray[] = [];
  menu?: { items: MenuItemOptions[] };
  tooltip = '';
  destroyed = false;
  images: { path: string; template?: boolean }[] = [];
  constructor(public image: { path: string; template?: boolean }) {
    super();
    this.images.push(image);
    Tray.instances.push(this);
  }
  setImage(image: { path: string; template?: boolean }) {
    this.image = image;
    this.images.push(image);
  }

  setContextMenu(menu: { items: MenuItemOptions[] }) {
    this.menu = menu;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  destroy() {
    this.destroyed = true;
  }
}

/**
 * notification.md: a Notification nothing references is garbage-collected, and with it its click — the
 * user clicks the toast and nothing happens. The fake keeps only weak references, so a notification the
 * shell does not hold is really gone after `collectGarbage()`.
 */
export class Notification extends Emitter {
  static created: WeakRef<Notification>[] = [];
  static isSupported = () => true;
  /** The notifications still alive (what the user can still click). */
  static alive(): Notification[] {
    return Notification.created.flatMap((ref) => {
      const notification = ref.deref();
      return notification ? [notification] : [];
    });
  }
  shown = false;
  constructor(
    readonly options: {
      title: string;
      body: string;
      silent?: boolean;
      timeoutType?: 'default' | 'never';
      urgency?: string;
    },
  ) {
    super();
    Notification.created.push(new WeakRef(this));
  }
  show() {
    this.shown = true;
  }
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full garbage collection, after the current job (WeakRefs made in it are kept until it ends). */
export async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'basic_text',
  encryptString: (plain: string) => Buffer.from(plain),
  decryptString: (cipher: Buffer) => cipher.toString(),
};

/**
 * systemPreferences' media access on macOS (system-preferences.md): the OS asks once per app; later answers
 * come from the stored decision without a prompt. `decide` is what the user would click.
 */
export const systemPreferences = {
  status: { camera: 'not-determined', microphone: 'not-determined' } as Record<'camera' | 'microphone', string>,
  decide: { camera: true, microphone: true } as Record<'camera' | 'microphone', boolean>,
  prompts: [] as string[],
  getMediaAccessStatus(device: 'camera' | 'microphone') {
    return this.status[device];
  },
  askForMediaAccess(device: 'camera' | 'microphone'): Promise<boolean> {
    if (this.status[device] === 'granted') return Promise.resolve(true);
    if (this.status[device] !== 'not-determined') return Promise.resolve(false);
    this.prompts.push(device);
    this.status[device] = this.decide[device] ? 'granted' : 'denied';
    return Promise.resolve(this.decide[device]);
  },
  reset() {
    this.status = { camera: 'not-determined', microphone: 'not-determined' };
    this.decide = { camera: true, microphone: true };
    this.prompts.length = 0;
  },
};

/**
 * The parts of `app` the lifecycle module uses (app.md): protocol-client registration compares the scheme
 * with the same path and arguments it was registered with; events as an EventEmitter.
 */
export class FakeApp extends Emitter {
  appUserModelId: string | undefined;
  calls: string[] = [];
  readonly clients = new Map<string, string>();
  setAppUserModelId(id: string) {
    this.calls.push('setAppUserModelId');
    this.appUserModelId = id;
  }
  private key(path = '(this executable)', args: string[] = []) {
    return JSON.stringify([path, args]);
  }
  isDefaultProtocolClient(scheme: string, path?: string, args?: string[]) {
    return this.clients.get(scheme) === this.key(path, args);
  }
  setAsDefaultProtocolClient(scheme: string, path?: string, args?: string[]) {
    this.calls.push('setAsDefaultProtocolClient');
    this.clients.set(scheme, this.key(path, args));
    return true;
  }
}

/**
 * The whole `app` main.ts uses, as app.md describes its lifecycle:
 * - `requestSingleInstanceLock()` is false in a second instance (which should quit; the first gets
 *   'second-instance' with that instance's argv);
 * - `whenReady()` resolves at 'ready' (`emitReady()` here);
 * - `quit()` emits 'before-quit', then closes every window — a window whose 'close' is prevented cancels
 *   the quit — then 'will-quit' (which may be prevented) and 'quit'; 'window-all-closed' is not emitted
 *   on this path;
 * - `exit()` ends at once, without any of those events.
 */
export class FakeMainApp extends FakeApp {
  singleInstanceLock = true;
  isPackaged = false;
  /** Set when the app has really ended (quit went through, or exit). */
  ended: { how: 'quit' | 'exit'; code: number } | null = null;
  readonly switches: [string, string | undefined][] = [];
  commandLine = { appendSwitch: (name: string, value?: string) => void this.switches.push([name, value]) };
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));
  constructor(
    readonly paths: { userData: string; documents: string; appPath: string },
    readonly languages: string[] = ['en-GB'],
  ) {
    super();
  }
  requestSingleInstanceLock() {
    return this.singleInstanceLock;
  }
  whenReady() {
    return this.ready;
  }
  emitReady() {
    lifecycle.ready = true;
    this.emit('ready', fakeEvent(), {});
    this.readyResolve();
  }
  getPath(name: 'userData' | 'documents') {
    return this.paths[name];
  }
  getAppPath() {
    return this.paths.appPath;
  }
  getVersion() {
    return '0.1.0';
  }
  getPreferredSystemLanguages() {
    return this.languages;
  }
  focus(options?: { steal: boolean }) {
    this.calls.push(`focus${options?.steal ? ':steal' : ''}`);
  }
  quit() {
    if (this.ended) return;
    this.calls.push('quit');
    const before = fakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const window of [...BrowserWindow.instances]) if (!window.close()) return;
    const willQuit = fakeEvent();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    this.ended = { how: 'quit', code: 0 };
    this.emit('quit', fakeEvent(), 0);
  }
  exit(code = 0) {
    this.calls.push(`exit:${code}`);
    this.ended = { how: 'exit', code };
  }
}

/** Set by the test before main.ts is imported (main.ts reads `app` at import, as in Electron). */
export let app: FakeMainApp = new FakeMainApp({ userData: '/nonexistent', documents: '/nonexistent', appPath: '/' });
export const useApp = (next: FakeMainApp): FakeMainApp => (app = next);

export const dialog = {
  errors: [] as [string, string][],
  showErrorBox(title: string, content: string) {
    dialog.errors.push([title, content]);
  },
  saveAnswers: [] as { canceled: boolean; filePath?: string }[],
  showSaveDialog: async () => dialog.saveAnswers.shift() ?? { canceled: true },
};

/** net.fetch: the app's requests go through Chromium's network stack (proxy, OS certificates). */
export const net = {
  requests: [] as string[],
  fetch: (input: string | URL | Request, init?: RequestInit) => {
    net.requests.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  },
};

export const shell = {
  opened: [] as string[],
  openExternal: async (url: string) => void shell.opened.push(url),
};

export const session = { defaultSession: new FakeSession() };

export default {};
