// The renderer's own WebRTC classes; simple-peer imports them by name from here.
const scope = globalThis;
export const RTCPeerConnection = scope.RTCPeerConnection;
export const RTCSessionDescription = scope.RTCSessionDescription;
export const RTCIceCandidate = scope.RTCIceCandidate;
export const RTCDataChannel = scope.RTCDataChannel;
export const MediaStream = scope.MediaStream;
export const MediaStreamTrack = scope.MediaStreamTrack;
export default {
  RTCPeerConnection,
  RTCSessionDescription,
  RTCIceCandidate,
  RTCDataChannel,
  MediaStream,
  MediaStreamTrack,
};
