import type { CommitPullRequests } from "../github/commit-pull-requests.js";
import type { InstallationClients } from "../github/installation-clients.js";
import type { DeliveryLog } from "./delivery-log.js";
import type { Observer } from "./observer.js";
import type { TaskSet } from "./task-set.js";

/** The capture pipeline the webhook handlers feed: dedup log, background tasks, observer, and the installations' clients they use. */
export interface Capture {
  observer: Observer<unknown>;
  deliveries: DeliveryLog;
  tasks: TaskSet;
  commitPrs: CommitPullRequests;
  clients: InstallationClients;
}
