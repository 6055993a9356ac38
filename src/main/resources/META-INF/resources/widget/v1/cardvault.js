// CardVault host script: CardVault.mount(element, {sessionId, clientSecret, locale, onChange, onToken, onError}).
// Inserts the vault's card frame and talks to it only by postMessage, to and from the vault's exact
// origin (the origin this script was loaded from). The card stays inside the frame: this page only
// ever receives brand, completeness, validity, and in the end the token and last four digits.
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || !script.src) {
    throw new Error('CardVault: load cardvault.js with a <script src> from the vault');
  }
  var vaultOrigin = new URL(script.src).origin;

  function mount(element, options) {
    options = options || {};
    if (!element || typeof options.sessionId !== 'string' || typeof options.clientSecret !== 'string') {
      throw new Error('CardVault.mount(element, {sessionId, clientSecret, ...}) needs an element, a session id and its client secret');
    }
    var iframe = document.createElement('iframe');
    var query = 'session=' + encodeURIComponent(options.sessionId);
    if (options.locale === 'it' || options.locale === 'en') {
      query += '&locale=' + options.locale;
    }
    iframe.src = vaultOrigin + '/widget/v1/frame?' + query;
    iframe.title = options.title || (options.locale === 'it' ? 'Dati della carta' : 'Card details');
    iframe.setAttribute('referrerpolicy', 'no-referrer');
    iframe.style.border = '0';
    iframe.style.width = '100%';
    iframe.style.height = options.height || '320px';

    function call(callback, value) {
      if (typeof callback === 'function') {
        callback(value);
      }
    }

    function onMessage(event) {
      if (event.origin !== vaultOrigin || event.source !== iframe.contentWindow) {
        return;
      }
      var m = event.data || {};
      if (m.type === 'cardvault:change' && m.state) {
        call(options.onChange, { brand: m.state.brand, complete: m.state.complete === true, valid: m.state.valid === true,
          empty: m.state.empty === true });
      } else if (m.type === 'cardvault:token' && m.token) {
        call(options.onToken, { token: m.token.token, brand: m.token.brand, last4: m.token.last4, expMonth: m.token.expMonth,
          expYear: m.token.expYear });
      } else if (m.type === 'cardvault:error' && m.error) {
        call(options.onError, { code: m.error.code, message: m.error.message });
      } else if (m.type === 'cardvault:resize' && typeof m.height === 'number' && !options.height) {
        iframe.style.height = Math.max(120, Math.min(m.height + 4, 1200)) + 'px';
      } else if (m.type === 'cardvault:ready') {
        call(options.onReady, {});
      }
    }

    window.addEventListener('message', onMessage);
    iframe.addEventListener('load', function () {
      // The exact origin: if the frame did not load from the vault (refused, redirected), nothing is delivered.
      iframe.contentWindow.postMessage({ type: 'cardvault:init', clientSecret: options.clientSecret }, vaultOrigin);
    });
    element.appendChild(iframe);

    return {
      submit: function () {
        iframe.contentWindow.postMessage({ type: 'cardvault:submit' }, vaultOrigin);
      },
      destroy: function () {
        window.removeEventListener('message', onMessage);
        if (iframe.parentNode) {
          iframe.parentNode.removeChild(iframe);
        }
      }
    };
  }

  window.CardVault = { mount: mount, version: '1' };
}());
