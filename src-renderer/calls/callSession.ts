/**
 * One call from this side: a peer connection (simple-peer) to each other participant — a mesh of up to
 * four — with the local camera and microphone, chat and files over the data channel, and a quality and
 * relay reading from getStats. The server only relays the signals.
 */
import Peer from '@thaunknown/simple-peer';
import { signalDataSchema, type ServerPayload, type SignalPayload } from '../../protocol/calls';
import { Receiver, encodeMessage, sendFile, type ReceivedFile } from './fileTransfer';
import type { SignalChannel } from './signallingClient';

export type Quality = 'good' | 'poor' | 'lost' | 'connecting';

export interface RemotePeer {
  id: string;
  name: string;
  stream: MediaStream | null;
  connected: boolean;
  quality: Quality;
  /** True when the media goes through a TURN relay rather than directly. */
  relayed: boolean | null;
}

export interface ChatEntry {
  from: string;
  text: string;
  at: number;
  own: boolean;
}

export interface CallEvents {
  changed(): void;
  chat(entry: ChatEntry): void;
  file(from: string, file: ReceivedFile): void;
  /** A signal of ours left for the other side (the first one is the offer or the answer). */
  signalled?(): void;
  /** A peer connection reached ICE connected (or completed). */
  iceConnected?(): void;
}

/** The key of the link whose offer was made before the other side was known (`signalAhead`). */
const AHEAD = '';

interface Link {
  peer: Peer;
  remote: RemotePeer;
  receiver: Receiver;
}

export class CallSession {
  private readonly links = new Map<string, Link>();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private readonly onSignal = ({ callId, from, data }: ServerPayload<'signal'>) => {
    if (callId === this.callId && this.listening) this.receive(from, data);
  };
  /** False for a session made ahead on one of several devices: it takes no relayed signal until used. */
  private listening = true;
  private closed = false;
  private readonly names = new Map<string, string>();
  private readonly onlineListener = () => this.restartIce();
  private readonly offSignal: () => void;

  constructor(
    private readonly channel: SignalChannel,
    readonly callId: string,
    readonly local: MediaStream,
    private readonly iceServers: RTCIceServer[],
    private readonly events: CallEvents,
  ) {
    this.offSignal = channel.on('signal', this.onSignal);
    this.statsTimer = setInterval(() => void this.readStats(), 2000);
    // A network change (Wi-Fi to cable, VPN) needs new candidates: restart ICE.
    globalThis.addEventListener?.('online', this.onlineListener);
  }

  get remotes(): RemotePeer[] {
    return [...this.links.values()].map((l) => l.remote);
  }

  /** Remembers a name for a peer whose first signal may arrive before we connect to it. */
  expect(peer: { id: string; name: string }): void {
    this.names.set(peer.id, peer.name);
  }

  /**
   * A signal of another participant (relayed, or the patient's offer in the admission's answer). The other
   * side started: answer it (a non-initiator link is made on its first signal) — or it answers the offer we
   * made ahead, before we knew who would (`signalAhead`).
   */
  receive(from: string, data: SignalPayload): void {
    if (this.closed) return;
    const link =
      this.links.get(from) ?? this.adopt({ id: from, name: '' }) ?? this.connect({ id: from, name: '' }, false);
    try {
      link.peer.signal(data);
    } catch {
      // Signal data the connection cannot take (simple-peer throws on some): that link is lost, not the page.
      link.remote.quality = 'lost';
      this.events.changed();
    }
  }

  /** Made ahead on one of several devices: relayed signals are not for it until it is used (`listen`). */
  standBy(): void {
    this.listening = false;
  }

  listen(): void {
    this.listening = true;
  }

  /**
   * The patient's side while waiting: the peer connection, its offer and its candidates, made now, for
   * whoever will admit. `send` carries each (the server holds them until the admission); what the link
   * signals after `adopt` goes to the admitting side like any signal.
   */
  signalAhead(send: (signal: SignalPayload) => void): void {
    if (this.closed || this.links.has(AHEAD)) return;
    this.connect({ id: AHEAD, name: '' }, true, send);
  }

  /** The side that admitted us answers (or joined): the link made ahead is now theirs. Null without one. */
  adopt(remote: { id: string; name: string }): Link | null {
    const link = this.links.get(AHEAD);
    if (!link || remote.id === AHEAD) return null;
    this.links.delete(AHEAD);
    this.links.get(remote.id)?.peer.destroy();
    link.remote.id = remote.id;
    link.remote.name = remote.name || this.names.get(remote.id) || link.remote.name;
    this.links.set(remote.id, link);
    this.events.changed();
    return link;
  }

  /** Whether we are connected (or connecting) to this peer. */
  knows(peerId: string): boolean {
    return this.links.has(peerId);
  }

  /** Whether a link made ahead (`signalAhead`) waits for the side that will answer it. */
  get waitingAhead(): boolean {
    return this.links.has(AHEAD);
  }

  connect(remote: { id: string; name: string }, initiator: boolean, ahead?: (signal: SignalPayload) => void): Link {
    this.links.get(remote.id)?.peer.destroy();
    // A candidate pool: the connection gathers its candidates from its creation, not from its first
    // description — a link made ahead (the practitioner's at the knock, the patient's while waiting) has
    // them ready when the call starts, and ICE checks begin at once (issue 13).
    // One transport for audio, video and data (every browser in use bundles): half the candidates to
    // gather, send and check.
    const config: RTCConfiguration = {
      iceServers: this.iceServers,
      iceCandidatePoolSize: 1,
      bundlePolicy: 'max-bundle',
    };
    const peer = new Peer({ initiator, stream: this.local, config, trickle: true });
    const state: RemotePeer = {
      id: remote.id,
      name: remote.name || this.names.get(remote.id) || '',
      stream: null,
      connected: false,
      quality: 'connecting',
      relayed: null,
    };
    const receiver = new Receiver(
      (text, at) => this.events.chat({ from: state.name, text, at, own: false }),
      (file) => this.events.file(state.name, file),
    );
    const link: Link = { peer, remote: state, receiver };
    this.links.set(remote.id, link);
    peer.on('signal', (data) => {
      // Only what the protocol carries leaves this side (simple-peer's signal data, bounded).
      const signal = signalDataSchema.safeParse(data);
      if (!signal.success) return;
      // To whom: the state's id, which `adopt` sets when the link was made ahead.
      if (state.id === AHEAD) ahead?.(signal.data);
      else this.channel.send('signal', { callId: this.callId, to: state.id, data: signal.data });
      this.events.signalled?.();
    });
    peer.on('iceStateChange', (iceConnectionState) => {
      if (iceConnectionState === 'connected' || iceConnectionState === 'completed') this.events.iceConnected?.();
    });
    peer.on('stream', (stream) => {
      state.stream = stream;
      this.events.changed();
    });
    peer.on('connect', () => {
      state.connected = true;
      this.events.changed();
    });
    peer.on('data', (data) => void receiver.receive(data));
    peer.on('close', () => {
      if (this.links.get(state.id) === link) {
        this.links.delete(state.id);
        this.events.changed();
      }
    });
    peer.on('error', () => {
      state.quality = 'lost';
      this.events.changed();
    });
    this.events.changed();
    return link;
  }

  /** The other side left. */
  drop(peerId: string): void {
    const link = this.links.get(peerId);
    this.links.delete(peerId);
    link?.peer.destroy();
    this.events.changed();
  }

  sendChat(text: string): void {
    const at = Date.now();
    for (const { peer } of this.links.values()) if (peer.connected) peer.send(encodeMessage({ t: 'chat', text, at }));
    this.events.chat({ from: '', text, at, own: true });
  }

  /** Files go one after another: their chunks must not interleave on a channel. */
  private sending: Promise<unknown> = Promise.resolve();

  sendFile(file: File): Promise<string> {
    const send = async () => {
      const id = crypto.randomUUID();
      let hash = '';
      for (const { peer } of this.links.values()) if (peer.connected) hash = await sendFile(peer, file, id);
      return hash;
    };
    const next = this.sending.then(send, send);
    this.sending = next.catch(() => {});
    return next;
  }

  setMicrophone(on: boolean): void {
    for (const track of this.local.getAudioTracks()) track.enabled = on;
  }

  setCamera(on: boolean): void {
    for (const track of this.local.getVideoTracks()) track.enabled = on;
  }

  /** Audio only: the camera is stopped (saves the bandwidth), not just hidden. */
  audioOnly(): void {
    for (const track of this.local.getVideoTracks()) {
      track.stop();
      track.enabled = false;
    }
  }

  /** Swaps the camera for the screen (and back when sharing ends). */
  async shareScreen(): Promise<void> {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const screenTrack = screen.getVideoTracks()[0];
    const camera = this.local.getVideoTracks()[0];
    if (!screenTrack || !camera) return;
    for (const { peer } of this.links.values()) peer.replaceTrack(camera, screenTrack, this.local);
    screenTrack.addEventListener('ended', () => {
      for (const { peer } of this.links.values())
        if (!peer.destroyed) peer.replaceTrack(screenTrack, camera, this.local);
    });
  }

  restartIce(): void {
    for (const { peer } of this.links.values()) if (!peer.destroyed) peer._pc.restartIce();
  }

  /** good: little loss and delay; poor: noticeable; lost: no packets for a while. */
  private async readStats(): Promise<void> {
    let changed = false;
    for (const { peer, remote } of this.links.values()) {
      if (peer.destroyed || !peer._pc) continue;
      const report = await peer._pc.getStats();
      let pair: RTCIceCandidatePairStats | undefined;
      const byId = new Map<string, Record<string, unknown>>();
      let lost = 0;
      let received = 0;
      report.forEach((entry: Record<string, unknown>) => {
        byId.set(entry.id as string, entry);
        if (entry.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded')
          pair = entry as unknown as RTCIceCandidatePairStats;
        if (entry.type === 'inbound-rtp') {
          lost += Number(entry.packetsLost ?? 0);
          received += Number(entry.packetsReceived ?? 0);
        }
      });
      const rtt = pair?.currentRoundTripTime ?? 0;
      const lossRate = received + lost > 0 ? lost / (received + lost) : 0;
      const quality: Quality = !pair
        ? remote.connected
          ? 'lost'
          : 'connecting'
        : lossRate > 0.05 || rtt > 0.4
          ? 'poor'
          : 'good';
      const local = pair ? byId.get(pair.localCandidateId) : undefined;
      const relayed = local ? local.candidateType === 'relay' : null;
      if (quality !== remote.quality || relayed !== remote.relayed) {
        remote.quality = quality;
        remote.relayed = relayed;
        changed = true;
      }
    }
    if (changed) this.events.changed();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.statsTimer);
    globalThis.removeEventListener?.('online', this.onlineListener);
    this.offSignal();
    for (const { peer } of this.links.values()) peer.destroy();
    this.links.clear();
  }
}
