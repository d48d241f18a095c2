import nock from "nock";
import { afterAll, afterEach, beforeAll } from "vitest";

// No test reaches the network: only loopback (our own servers, the test influxd) is allowed.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});
