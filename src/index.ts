import { createApp } from "./app.js";

export { createApp, type AppHandle, type AppOptions } from "./app.js";

/**
 * The Probot app function, for `probot run ./dist/index.js` and other hosts. `npm start`
 * (src/main.ts) uses createApp directly so that SIGTERM can drain pending work.
 */
export default createApp().appFn;
