/** The parts of @thaunknown/simple-peer (untyped) that ClinicDesk uses. */
declare module '@thaunknown/simple-peer' {
  export interface SignalData {
    type?: string;
    sdp?: string;
    candidate?: RTCIceCandidateInit;
    renegotiate?: boolean;
    transceiverRequest?: { kind: string; init?: RTCRtpTransceiverInit };
  }
  export interface PeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    config?: RTCConfiguration;
    trickle?: boolean;
    channelName?: string;
  }
  export default class Peer {
    constructor(options?: PeerOptions);
    readonly connected: boolean;
    readonly destroyed: boolean;
    readonly bufferSize: number;
    _pc: RTCPeerConnection;
    signal(data: SignalData): void;
    send(data: string | ArrayBuffer | ArrayBufferView): void;
    replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
    destroy(error?: Error): void;
    on(event: 'signal', listener: (data: SignalData) => void): this;
    on(event: 'stream', listener: (stream: MediaStream) => void): this;
    on(event: 'data', listener: (data: Uint8Array) => void): this;
    on(event: 'connect' | 'close' | 'iceStateChange', listener: (...args: unknown[]) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
}
