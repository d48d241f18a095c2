import { createApp } from "./app.js";

export { createApp, type AppHandle, type AppOptions } from "./app.js";

/**
 * The Probot app function, for `probot run ./dist/index.js` and other hosts. `npm start`
 * (src/main.ts) uses createApp directly so that SIGTERM can drain pending work; it also takes the
 * DATA_DIR lock, defaults HOST to every interface and lets real variables win over `.env`, which
 * another host must see to itself. The WEBHOOK_SECRET check runs here too (in the app function).
 */
export default createApp().appFn;
