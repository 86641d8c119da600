/**
 * The page's script and style, served as files so the Content-Security-Policy can forbid every
 * inline script. The script swaps in the body the server rendered at each `snapshot` event;
 * EventSource reconnects by itself when the supervisor restarts, and the header says so meanwhile.
 */
export const CONSOLE_JS = `'use strict';
(() => {
  const main = document.getElementById('console');
  const live = document.getElementById('live');
  const say = (state, text) => { live.dataset.live = state; live.textContent = text; };
  const events = new EventSource('events');
  events.addEventListener('snapshot', (event) => {
    main.innerHTML = JSON.parse(event.data);
    say('live', 'live');
  });
  events.addEventListener('open', () => say('live', 'live'));
  events.addEventListener('error', () => say('reconnecting', 'reconnecting…'));
})();
`;

export const CONSOLE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; background: #1d2330; color: #fff; }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .4rem; }
main { padding: .5rem 1rem 2rem; display: grid; gap: 1rem; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .6rem .8rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { font-weight: 600; color: #556; }
.status.up { color: #137333; font-weight: 600; }
.status.down, .unavailable { color: #b3261e; font-weight: 600; }
.status.draining { color: #9a6700; font-weight: 600; }
.empty, #updated { color: #667; margin: .2rem 0; }
.mono, code { font-family: ui-monospace, monospace; font-size: 12px; }
.message { max-width: 32rem; word-break: break-word; }
#live[data-live="live"] { color: #8fe3a0; }
#live[data-live="reconnecting"] { color: #ffb4a9; }
`;

/** Served so the browser's icon request finds something (it would log a 404 on every load). */
export const CONSOLE_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2330"/><circle cx="8" cy="8" r="3" fill="#8fe3a0"/></svg>';
