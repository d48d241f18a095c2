import type { CommitPullRequests } from "../github/commit-pull-requests.js";
import type { InstallationClients } from "../github/installation-clients.js";
import type { DeliveryLog } from "./delivery-log.js";
import type { Observer } from "./observer.js";
import type { TaskSet } from "./task-set.js";
import type { WaitingDeliveries } from "./waiting-deliveries.js";

/** The capture pipeline the webhook handlers feed: dedup log, background tasks, observer, and the installations' clients they use. */
export interface Capture {
  observer: Observer<unknown>;
  deliveries: DeliveryLog;
  tasks: TaskSet;
  commitPrs: CommitPullRequests;
  clients: InstallationClients;
  /** Deliveries waiting for a config read or a commit look-up, merged per PR and commit. */
  waiting: WaitingDeliveries;
  /** With REDIS_URL: which replica records a delivery (src/replicas/shared-deliveries.ts); absent on one instance. */
  shared?: DeliveryClaims | undefined;
}

/**
 * Delivery dedup across replicas: `claim` says whether this replica records the delivery
 * ("taken": another one did; "busy": another one is still at it, fail the delivery so it can be
 * redelivered; "unavailable": no shared store, record it), `settle` tells the
 * others whether it was recorded.
 */
export interface DeliveryClaims {
  claim(id: string): Promise<"mine" | "taken" | "busy" | "unavailable">;
  settle(id: string, recorded: boolean): Promise<void>;
}
