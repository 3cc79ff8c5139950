/** A message as it reached FMS from a device. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /** Epoch ms when FMS received it. */
  receivedAt: number;
}

export interface MessageBusHealth {
  state: 'up' | 'down';
  /** Connected MQTT clients (embedded broker), when known. */
  clients?: number;
  /** Persistent sessions the embedded broker keeps, and the messages queued for them. */
  sessions?: { sessions: number; queued: number };
  detail?: string;
  /** When it went down (external broker). */
  downSince?: number;
}

/**
 * The MQTT port ingest consumes from and the service publishes to. The embedded aedes broker is one
 * adapter; an external broker through an mqtt.js client (shared subscription) is another.
 */
export interface MessageBus {
  /** Starts delivering device messages to `onMessage`; the handler must not throw and must not block. */
  start(onMessage: (message: InboundMessage) => void): Promise<void>;
  /** Publishes a service message (alarm and work-order changes for integrations). */
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  health(): MessageBusHealth;
  /** Stops accepting connections and messages, then disconnects everyone. */
  close(): Promise<void>;
}
