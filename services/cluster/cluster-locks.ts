/**
 * The cluster locks port: what the coordinator (coordinator.ts) needs to share partitions and
 * leadership between instances. Every lock belongs to a session; a session that ends — closed, or
 * its connection lost, as when its instance is SIGKILLed — lets go of every lock it held at once.
 */
export interface ClusterLocks {
  /** Opens a session and joins the cluster as a member; `onLost` is told once if the session breaks from outside. */
  connect(onLost: (why: string) => void): Promise<LockSession>;
}

/** One instance's membership and the locks it holds. */
export interface LockSession {
  /** Identifies the session among the members (PostgreSQL: its backend pid), for logs and tests. */
  readonly id: number;
  /** How many members are connected now, this one included. */
  members(): Promise<number>;
  /** Takes the leader lock when no other session holds it; whether this session holds it now. */
  tryLeader(): Promise<boolean>;
  /** Takes a partition's lock when no other session holds it; whether this session holds it now. */
  tryPartition(partition: number): Promise<boolean>;
  /** Lets go of a partition's lock (however often it was taken), for another member to take. */
  releasePartition(partition: number): Promise<void>;
  /** Ends the session: its membership and every lock go. */
  close(): Promise<void>;
}
