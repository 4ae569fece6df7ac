// The page's one way to the sandbox: its control routes, on the page's own
// origin, authenticated by headers on every request. Nothing secret goes in
// a URL (only the account's API key, which names it) or in a cookie, so no
// other site can make the browser send the credentials.

import { md5Hex } from './md5.js';

// ApiError is a refusal of the sandbox, with its status and its words.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Client signs in one of two ways: {token} is the control token, which
// reaches every account (a request names its account with ?key=);
// {key, secret} is an account's own, which signs each request as the
// vendor API does and reaches that account alone.
export class Client {
  constructor(credentials) {
    this.credentials = credentials;
    // The account the page shows; with a signature, always the signer's.
    this.account = credentials.key ?? '';
  }

  get signed() {
    return this.credentials.token === undefined;
  }

  headers() {
    const { token, key, secret } = this.credentials;
    if (token !== undefined) return { Authorization: `Bearer ${token}` };
    // Signed anew for every request: the sandbox allows a few minutes of
    // difference in the timestamp, and a long poll is checked on arrival.
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { 'Api-Key': key, Timestamp: timestamp, Sign: md5Hex(key + secret + timestamp) };
  }

  // call sends one request and answers its JSON (null for 204). A route
  // about one account names it with ?key= when the token signs; the
  // signature names its own.
  async call(method, path, { query = {}, body, signal, perAccount = true } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(query)) {
      if (value !== '' && value !== undefined && value !== null) url.searchParams.set(name, value);
    }
    if (perAccount && !this.signed) {
      // Never without ?key=: with the token, a keyless reset would reset
      // the whole sandbox.
      if (!this.account) throw new Error('No account is chosen.');
      url.searchParams.set('key', this.account);
    }
    const init = { method, headers: this.headers(), signal, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(url, init);
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: a proxy's page, say; the status tells.
    }
    if (!resp.ok) throw new ApiError(resp.status, data?.error ?? `HTTP ${resp.status}`);
    return data;
  }
}
