// The web inbox: sign in, then one account's messages as they are sent,
// what its flows will do next, and the controls a person testing a sign-in
// flow reaches for (the clock, a number's outcome, clearing, resetting).
//
// Live updates are a long poll of GET /_sandbox/inbox: the request names
// the version the page shows, and the sandbox holds it until the account
// changes. EventSource cannot send a header, and credentials must not go in
// a URL; fetch can, and the long poll needs nothing else of the server.
// What changes with time alone (a code expiring, a slow SMS arriving) the
// page counts down itself, and asks again when it comes.

import { ApiError, Client } from './api.js';

// The credentials live in this tab's session storage: a reload keeps the
// page signed in, closing the tab or signing out forgets them, and no
// other tab, site or request sees them (not local storage, which outlives
// the browser; not a cookie, which other sites' requests would carry).
const STORAGE_KEY = 'otp-sandbox-inbox';
// The newest messages the page shows; the sandbox keeps thousands.
const LIMIT = 200;
// How long one poll waits for a change, well under the timeouts of the
// proxies a sandbox may sit behind.
const WAIT_SECONDS = 25;

const $ = (id) => document.getElementById(id);

const state = {
  client: null,
  // A new generation at every sign-in, sign-out, switch of account or
  // filter: answers to an older one are dropped, so that one account's
  // messages never land on another's page.
  generation: 0,
  poll: null, // the AbortController of the poll under way
  view: null,
  receivedAt: 0, // performance.now() when view came
  rendered: new Map(), // message key → its element
  fixedCodes: '', // the fixed codes the list shows, as JSON
  shown: false, // a view has been rendered for this generation
  nextDeadline: Infinity, // on the sandbox's clock: when to ask again
};

// ---- time ----

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

// sandboxNow is the sandbox's clock as the page reckons it: its last
// reading plus the time since.
function sandboxNow() {
  if (!state.view) return Date.now();
  return Date.parse(state.view.now) + (performance.now() - state.receivedAt);
}

// formatTime shows a time of the sandbox's clock in the browser's zone,
// with the date when it is not the sandbox's today.
function formatTime(iso) {
  const t = new Date(iso);
  const today = new Date(sandboxNow());
  return t.toDateString() === today.toDateString() ? timeFormat.format(t) : dateTimeFormat.format(t);
}

function formatLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function formatOffset(seconds) {
  if (seconds <= 0) return '(real time)';
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]]) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)} ${unit}`);
      seconds %= size;
    }
  }
  return `(${parts.join(' ')} ahead of real time)`;
}

// countdown is an element that the tick keeps showing the time left
// before deadline, and then done.
function countdown(deadline, done) {
  const span = document.createElement('span');
  span.className = 'countdown';
  span.dataset.deadline = String(Date.parse(deadline));
  span.dataset.done = done;
  updateCountdown(span, sandboxNow());
  return span;
}

function updateCountdown(span, now) {
  const left = Number(span.dataset.deadline) - now;
  span.textContent = left > 0 ? `in ${formatLeft(left)}` : span.dataset.done;
}

// tick runs every second: the clock, the countdowns, and a fresh look
// when a deadline passes (an expiry, a slow outcome) that no change of
// the account announces.
function tick() {
  if (!state.view) return;
  const now = sandboxNow();
  $('clock-now').textContent = timeFormat.format(new Date(now));
  $('clock-now').dateTime = new Date(now).toISOString();
  for (const span of document.querySelectorAll('.countdown')) updateCountdown(span, now);
  if (now >= state.nextDeadline) {
    state.nextDeadline = Infinity;
    refresh();
  }
}

// ---- signing in and out ----

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function remember() {
  const { client } = state;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ credentials: client.credentials, account: client.account }));
}

// signIn checks the credentials with the sandbox before showing anything:
// a refused token shows the sandbox's reason, and no account.
async function signIn(credentials, account) {
  const client = new Client(credentials);
  let accounts;
  try {
    accounts = await client.call('GET', '/_sandbox/accounts', { perAccount: false });
  } catch (err) {
    sessionStorage.removeItem(STORAGE_KEY);
    $('signin-error').textContent = signInError(err);
    return;
  }
  $('signin-error').textContent = '';
  state.client = client;
  if (!client.signed) {
    const keys = accounts.map((a) => a.key);
    client.account = keys.includes(account) ? account : (keys[0] ?? '');
  }
  remember();
  $('token').value = '';
  $('api-secret').value = '';
  $('signin').hidden = true;
  $('session').hidden = false;
  $('app').hidden = false;
  showAccounts(accounts);
  start();
}

function signInError(err) {
  if (!(err instanceof ApiError)) return `The sandbox could not be reached: ${err.message}`;
  if (err.status === 401) return `Refused: ${err.message}`;
  return err.message;
}

// signOut forgets the credentials and everything shown.
function signOut(why = '') {
  state.generation++;
  state.poll?.abort();
  state.client = null;
  state.view = null;
  state.nextDeadline = Infinity;
  sessionStorage.removeItem(STORAGE_KEY);
  clearView();
  $('account').replaceChildren();
  for (const id of ['token', 'api-key', 'api-secret', 'number-to', 'number-code', 'filter-to', 'filter-verification']) $(id).value = '';
  for (const id of ['number-status', 'account-status', 'clock-status', 'live']) $(id).textContent = '';
  $('app').hidden = true;
  $('session').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = why;
}

function showAccounts(accounts) {
  const select = $('account');
  const current = state.client.account;
  select.replaceChildren(...accounts.map((a) => {
    const option = new Option(a.origin === 'configured' ? a.key : `${a.key} (${a.origin})`, a.key);
    option.selected = a.key === current;
    return option;
  }));
  select.disabled = state.client.signed || accounts.length < 2;
}

// refreshAccounts reads the list again (open accounts come and go) when
// the switcher is about to be used.
async function refreshAccounts() {
  const { client } = state;
  if (!client || client.signed) return;
  try {
    const accounts = await client.call('GET', '/_sandbox/accounts', { perAccount: false });
    if (client === state.client) showAccounts(accounts);
  } catch (err) {
    failed(err, $('live'));
  }
}

// ---- the live view ----

function filters() {
  return { to: $('filter-to').value.trim(), verificationId: $('filter-verification').value.trim() };
}

// start shows the signed-in account from scratch, and keeps it live.
function start() {
  state.generation++;
  state.poll?.abort();
  state.view = null;
  state.nextDeadline = Infinity;
  clearView();
  if (!state.client.account) {
    $('live').textContent = 'The sandbox has no account yet: with open accounts, one opens with its first request.';
    return;
  }
  live(state.generation);
}

// refresh asks again at once, without waiting for a change: after a
// deadline passed.
function refresh() {
  state.poll?.abort();
}

async function live(generation) {
  let since = '';
  let failures = 0;
  const query = { ...filters(), limit: LIMIT };
  while (generation === state.generation) {
    const poll = new AbortController();
    state.poll = poll;
    try {
      const view = await state.client.call('GET', '/_sandbox/inbox', {
        query: { ...query, since, wait: since ? WAIT_SECONDS : '' }, signal: poll.signal,
      });
      if (generation !== state.generation) return;
      failures = 0;
      since = view.version;
      render(view);
      $('live').textContent = 'Live: new messages appear as they are sent.';
      document.body.dataset.live = 'waiting';
    } catch (err) {
      if (generation !== state.generation) return;
      since = '';
      if (poll.signal.aborted) continue; // a refresh: look again now
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        signOut(`Signed out: the sandbox refused the credentials (${err.message}).`);
        return;
      }
      failures++;
      document.body.dataset.live = 'retrying';
      $('live').textContent = `Not connected (${err.message}); trying again.`;
      await new Promise((resolve) => { setTimeout(resolve, Math.min(5000, 250 * 2 ** failures)); });
    }
  }
}

function clearView() {
  state.rendered.clear();
  state.shown = false;
  $('messages').replaceChildren();
  $('next-steps').replaceChildren();
  $('fixed-codes').replaceChildren();
  state.fixedCodes = '';
  $('fixed-codes-panel').hidden = true;
  $('messages-empty').hidden = true;
  $('messages-count').textContent = '';
  $('next-empty').hidden = false;
  $('clock-now').textContent = '';
  $('clock-offset').textContent = '';
  $('advance-next').disabled = true;
  delete document.body.dataset.live;
}

function render(view) {
  state.view = view;
  state.receivedAt = performance.now();
  renderClock(view);
  renderMessages(view);
  renderNextSteps(view);
  renderFixedCodes(view);
  state.nextDeadline = nextDeadline(view);
  state.shown = true;
}

function renderClock(view) {
  $('clock-offset').textContent = formatOffset(view.offsetSeconds);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  $('clock-zone').textContent = `Times are on the sandbox's clock, in your time zone (${zone}).`;
  const next = $('advance-next');
  next.disabled = !view.nextStepAt;
  next.textContent = view.nextStepAt ? `To the next step (${formatTime(view.nextStepAt)})` : 'To the next step';
  tick();
}

// ---- messages ----

const CHANNELS = { sms: 'SMS', call: 'Call', sna: 'SNA' };

function messageKey(m) {
  return `${m.verificationId}/${m.step}`;
}

function renderMessages(view) {
  const list = $('messages');
  const keep = new Set();
  const withNext = new Set(); // a verification's next step shows on its newest message only
  view.messages.forEach((m, i) => {
    const key = messageKey(m);
    keep.add(key);
    let card = state.rendered.get(key);
    if (!card) {
      card = document.createElement('article');
      card.className = 'message';
      card.dataset.key = key;
      state.rendered.set(key, card);
      if (state.shown) announce(card, m);
    }
    const showNext = !withNext.has(m.verificationId);
    withNext.add(m.verificationId);
    fillMessage(card, m, showNext, view.fixedCodes[m.to]);
    // Moved only when out of place, so that a focused button keeps focus.
    const at = list.children[i];
    if (at !== card) list.insertBefore(card, at ?? null);
  });
  for (const [key, card] of state.rendered) {
    if (!keep.has(key)) {
      card.remove();
      state.rendered.delete(key);
    }
  }
  $('messages-empty').hidden = view.messages.length > 0;
  $('messages-count').textContent = view.total > view.messages.length
    ? `The newest ${view.messages.length} of ${view.total} messages.`
    : `${view.total} ${view.total === 1 ? 'message' : 'messages'}${filtered() ? ' match the filter' : ''}.`;
}

function filtered() {
  const f = filters();
  return f.to !== '' || f.verificationId !== '';
}

// announce marks a message that arrived while the page was open, and says
// it to a screen reader.
function announce(card, m) {
  card.classList.add('fresh');
  setTimeout(() => card.classList.remove('fresh'), 4000);
  $('announce').textContent = `New ${CHANNELS[m.channel] ?? m.channel} to ${m.to}: code ${m.code}`;
}

// fillMessage writes a message into its card, from text only: nothing the
// sandbox sends is read as HTML (a template's text may hold anything).
// fixed is the number's fixed code, if it has one.
function fillMessage(card, m, showNext, fixed) {
  const head = div('message-head');
  const channel = span(`badge channel-${m.channel}`, CHANNELS[m.channel] ?? m.channel);
  const to = button('link to', m.to, `Show only the messages to ${m.to}`, () => setFilter('filter-to', m.to));
  const step = span('step', stepLabel(m));
  const at = document.createElement('time');
  at.dateTime = m.at;
  at.textContent = formatTime(m.at);
  head.append(channel, to, step, at);

  const codeRow = div('code-row');
  const code = span('code', m.code);
  const copy = button('copy', 'Copy', `Copy the code ${m.code}`, () => copyCode(m.code, copy));
  codeRow.append(code, copy);
  if (fixed) {
    // The code a UI test types: say where it came from, or that the
    // number's code changed since this message.
    const why = fixed === m.code ? "the number's fixed code" : `the number's fixed code is now ${fixed}`;
    const badge = span('badge fixed', why);
    badge.title = `Every code sent to ${m.to} is ${fixed} (A number's outcome, PUT /_sandbox/numbers/${m.to})`;
    codeRow.append(badge);
  }

  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = m.channel === 'call' && m.voice
    ? `Read aloud (${m.voice.language}, speech rate ${m.voice.speechRate}, ${m.voice.repeatCnt}×): ${m.text}`
    : m.channel === 'sna' ? `The phone's network fetches ${m.snaUrl}` : m.text;

  const facts = document.createElement('dl');
  facts.className = 'facts';
  fact(facts, 'Outcome', outcome(m));
  fact(facts, 'Verification', verificationState(m));
  if (showNext && m.verification.nextStep) fact(facts, 'Next', nextStepText(m.verification, m.to));
  fact(facts, 'verificationId', button('link id', m.verificationId, `Show only verification ${m.verificationId}`,
    () => setFilter('filter-verification', m.verificationId)));

  const focused = card.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
  card.replaceChildren(head, codeRow, text, facts);
  card.dataset.state = m.verification.state;
  card.dataset.outcome = m.outcome;
  card.dataset.channel = m.channel;
  // The card is made anew at each change: focus goes back to its twin.
  if (focused) card.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
}

function stepLabel(m) {
  if (m.step > 0) return `flow step ${m.step}`;
  return { resend: 'resend', sendRule: 'send (code given)' }[m.via] ?? 'send';
}

function outcome(m) {
  const s = span(`outcome outcome-${m.outcome}`, '');
  switch (m.outcome) {
    case 'delivered': s.textContent = 'delivered'; break;
    case 'answered': s.textContent = 'answered'; break;
    case 'failed': s.textContent = m.channel === 'call' ? 'failed: not answered' : 'failed: not delivered'; break;
    case 'sending':
      s.append('sending, known ', countdown(m.doneAt, 'now'));
      break;
    case 'sent': s.textContent = 'URL handed out'; break;
    default: s.textContent = m.outcome;
  }
  return s;
}

function verificationState(m) {
  const v = m.verification;
  const s = span(`state state-${v.state}`, '');
  const expiry = () => [' · expires ', countdown(v.expiresAt, 'now'), ` (${formatTime(v.expiresAt)})`];
  switch (v.state) {
    case 'waiting':
      s.append(m.channel === 'sna' ? 'waiting for the URL to be fetched' : 'waiting for a check', ...expiry());
      break;
    case 'wrongCode':
      s.append('a wrong code was tried; the code still checks', ...expiry());
      break;
    case 'checked': s.textContent = `checked at ${formatTime(v.verifiedAt)}`; break;
    case 'expired': s.textContent = `expired at ${formatTime(v.expiresAt)}`; break;
    case 'replaced': s.textContent = `replaced by the resend ${v.replacedBy}`; break;
    default: s.textContent = v.state;
  }
  return s;
}

// nextStepText says what a verification's pending step will do.
function nextStepText(v, to) {
  const n = v.nextStep;
  const what = n.channel === 'call' ? 'a call' : `an ${CHANNELS[n.channel] ?? n.channel}`;
  const trigger = n.trigger === 'failed' ? 'if the last attempt failed' : 'if the code is not checked by then';
  let outlook = 'it will send';
  if (!n.willSend) {
    outlook = Date.parse(n.dueAt) >= Date.parse(v.expiresAt)
      ? 'it will not: the code expires first'
      : 'it will not: the last attempt did not fail';
  }
  const s = span('next', '');
  s.append(`step ${n.step} of ${n.steps} to ${to}: ${what} ${trigger}, at ${formatTime(n.dueAt)} (`,
    countdown(n.dueAt, 'due now'), `); ${outlook}`);
  return s;
}

function renderNextSteps(view) {
  const pending = [];
  const seen = new Set();
  for (const m of view.messages) {
    if (seen.has(m.verificationId)) continue;
    seen.add(m.verificationId);
    if (m.verification.nextStep) pending.push(m);
  }
  pending.sort((a, b) => Date.parse(a.verification.nextStep.dueAt) - Date.parse(b.verification.nextStep.dueAt));
  $('next-steps').replaceChildren(...pending.map((m) => {
    const li = document.createElement('li');
    li.append(nextStepText(m.verification, m.to));
    return li;
  }));
  $('next-empty').hidden = pending.length > 0;
}

// renderFixedCodes lists the account's numbers that have a fixed code;
// a number's button loads it into the form, to change or clear it. The
// list is made anew only when the codes change: every message that comes
// renders the view, and a list made anew would take the focus from a
// keyboard user's button (and the button from under a click).
function renderFixedCodes(view) {
  const numbers = Object.keys(view.fixedCodes).sort();
  const shown = JSON.stringify(numbers.map((to) => [to, view.fixedCodes[to]]));
  if (shown === state.fixedCodes) return;
  state.fixedCodes = shown;
  $('fixed-codes').replaceChildren(...numbers.map((to) => {
    const li = document.createElement('li');
    li.append(button('link', to, `Load ${to} into the form`, () => {
      $('number-to').value = to;
      loadNumber();
    }), ' ', span('code-small', view.fixedCodes[to]));
    return li;
  }));
  $('fixed-codes-panel').hidden = numbers.length === 0;
}

// nextDeadline is the first time, on the sandbox's clock, at which what
// the page shows changes without the account changing: an expiry, a slow
// outcome. (Flow steps falling due wake the poll on the sandbox's side.)
function nextDeadline(view) {
  const now = Date.parse(view.now);
  let first = Infinity;
  const consider = (iso) => {
    const t = Date.parse(iso);
    if (t > now && t < first) first = t;
  };
  for (const m of view.messages) {
    if (m.outcome === 'sending') consider(m.doneAt);
    if (m.verification.state === 'waiting' || m.verification.state === 'wrongCode') consider(m.verification.expiresAt);
  }
  return first;
}

async function copyCode(code, btn) {
  try {
    await navigator.clipboard.writeText(code);
  } catch {
    // No clipboard API outside a secure context (a sandbox reached by a
    // host name over http): copy from a selection instead.
    const area = document.createElement('textarea');
    area.value = code;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    if (!copied) {
      btn.textContent = 'Select and copy it';
      return;
    }
  }
  btn.textContent = 'Copied';
  setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
}

function setFilter(id, value) {
  $(id).value = value;
  start();
}

// ---- small builders ----

function div(className) {
  const d = document.createElement('div');
  d.className = className;
  return d;
}

function span(className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

function button(className, text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.title = label;
  b.addEventListener('click', onClick);
  return b;
}

function fact(dl, term, value) {
  const row = div('fact');
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.append(value);
  row.append(dt, dd);
  dl.append(row);
}

// ---- actions ----

// failed shows why a request failed; refused credentials sign out.
function failed(err, status) {
  if (err instanceof ApiError && err.status === 401) {
    signOut(`Signed out: the sandbox refused the credentials (${err.message}).`);
    return;
  }
  status.textContent = err.message;
  status.classList.add('error');
}

// act runs one action of a button, saying its outcome in status.
async function act(btn, status, action) {
  btn.disabled = true;
  status.textContent = '';
  status.classList.remove('error');
  try {
    status.textContent = await action();
  } catch (err) {
    failed(err, status);
  } finally {
    btn.disabled = btn.id === 'advance-next' ? !state.view?.nextStepAt : false;
  }
}

function advance(body, what) {
  return async () => {
    const ans = await state.client.call('POST', '/_sandbox/clock', { body });
    const steps = ans.stepsRun === 1 ? '1 flow step ran' : `${ans.stepsRun} flow steps ran`;
    return `${what}: ${steps}.`;
  };
}

function numberAnswerText(ans) {
  const where = { override: 'set here' }[ans.source] ?? ans.source;
  const delay = ans.delaySeconds > 0 ? `, after ${ans.delaySeconds} s` : '';
  const fixed = ans.code ? `, code ${ans.code}` : '';
  return `${ans.to}: SMS ${ans.sms}, calls ${ans.call}${delay}${fixed} (${where}).`;
}

function showNumber(ans) {
  document.querySelector(`input[name="sms"][value="${ans.sms}"]`).checked = true;
  document.querySelector(`input[name="call"][value="${ans.call}"]`).checked = true;
  $('number-delay').value = String(ans.delaySeconds);
  $('number-code').value = ans.code ?? '';
  return numberAnswerText(ans);
}

// numberForm is what the form says, to tell whether it was edited.
function numberForm() {
  const fields = ['number-to', 'number-delay', 'number-code'].map((id) => $(id).value);
  return JSON.stringify([...new FormData($('number-form')).entries(), ...fields]);
}

function numberPath() {
  const to = $('number-to').value.trim();
  if (!/^[0-9]{10,14}$/.test(to)) throw new Error('The number must be 10 to 14 digits, with the country code and no +.');
  return `/_sandbox/numbers/${to}`;
}

async function loadNumber() {
  const status = $('number-status');
  status.classList.remove('error');
  if (!/^[0-9]{10,14}$/.test($('number-to').value.trim())) return;
  try {
    const before = numberForm();
    const ans = await state.client.call('GET', numberPath());
    // Edits made while the answer came (a code typed at once) are kept:
    // the answer only says what the number has now.
    status.textContent = `Now: ${numberForm() === before ? showNumber(ans) : numberAnswerText(ans)}`;
  } catch (err) {
    failed(err, status);
  }
}

function wire() {
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener('change', () => {
      const byKey = document.querySelector('input[name="mode"]:checked').value === 'key';
      $('token-fields').hidden = byKey;
      $('key-fields').hidden = !byKey;
    });
  }
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const byKey = document.querySelector('input[name="mode"]:checked').value === 'key';
    const credentials = byKey
      ? { key: $('api-key').value.trim(), secret: $('api-secret').value }
      : { token: $('token').value.trim() };
    if (byKey ? !credentials.key || !credentials.secret : !credentials.token) {
      $('signin-error').textContent = byKey ? 'Give the API key and the secret.' : 'Give the control token.';
      return;
    }
    signIn(credentials, '');
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('account').addEventListener('focus', refreshAccounts);
  $('account').addEventListener('change', () => {
    state.client.account = $('account').value;
    remember();
    start();
  });

  let typing;
  for (const id of ['filter-to', 'filter-verification']) {
    $(id).addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(start, 300);
    });
  }
  $('filter-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    start();
  });
  $('filter-clear').addEventListener('click', () => {
    $('filter-to').value = '';
    $('filter-verification').value = '';
    start();
  });

  const clockStatus = $('clock-status');
  $('advance-30').addEventListener('click', (e) => act(e.currentTarget, clockStatus, advance({ advanceSeconds: 30 }, 'Moved the clock 30 s')));
  $('advance-60').addEventListener('click', (e) => act(e.currentTarget, clockStatus, advance({ advanceSeconds: 60 }, 'Moved the clock 1 min')));
  $('advance-next').addEventListener('click', (e) => act(e.currentTarget, clockStatus, advance({ toNextStep: true }, 'Moved the clock to the next step')));

  $('number-to').addEventListener('change', loadNumber);
  $('number-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = event.submitter ?? $('number-form').querySelector('button[type="submit"]');
    act(submit, $('number-status'), async () => {
      // Every field, the code too: the PUT keeps what a body leaves
      // out, and the form shows the whole outcome, so an empty code
      // ("") takes away a code set before.
      const body = {
        sms: document.querySelector('input[name="sms"]:checked').value,
        call: document.querySelector('input[name="call"]:checked').value,
        delaySeconds: Number($('number-delay').value || 0),
        code: $('number-code').value.trim(),
      };
      return `Set: ${showNumber(await state.client.call('PUT', numberPath(), { body }))}`;
    });
  });
  $('number-clear').addEventListener('click', (e) => act(e.currentTarget, $('number-status'), async () => {
    const path = numberPath();
    await state.client.call('DELETE', path);
    return `Back to its range's: ${showNumber(await state.client.call('GET', path))}`;
  }));

  $('clear-messages').addEventListener('click', (e) => act(e.currentTarget, $('account-status'), async () => {
    const ans = await state.client.call('DELETE', '/_sandbox/messages');
    return `Cleared ${ans.deleted} ${ans.deleted === 1 ? 'message' : 'messages'}.`;
  }));
  const dialog = $('reset-dialog');
  $('reset-account').addEventListener('click', () => {
    $('reset-key').textContent = `“${state.client.account}”`;
    dialog.showModal();
  });
  $('reset-cancel').addEventListener('click', () => dialog.close());
  $('reset-confirm').addEventListener('click', () => {
    dialog.close();
    // Always the one account: with the token the request names it, so
    // that it never resets the whole sandbox.
    act($('reset-account'), $('account-status'), async () => {
      await state.client.call('POST', '/_sandbox/reset');
      return `The account ${state.client.account} was reset.`;
    });
  });
}

wire();
setInterval(tick, 1000);
const saved = remembered();
if (saved?.credentials) signIn(saved.credentials, saved.account ?? '');
