// The worker's Phoenix Channels client.
export { Channel, type ChannelOptions, type ChannelState } from './channel.js';
export {
  ChannelClosedError,
  DisconnectedError,
  describeResponse,
  JoinRefusedError,
  PushTimeoutError,
} from './errors.js';
export { PhoenixSocket, type PhoenixSocketOptions, type SocketStatus } from './phoenix-socket.js';
