// CardVault card frame. Runs on the vault's own origin; the card never leaves this frame except to
// the vault itself. It talks to the host page only by postMessage, to the one allowed origin that
// introduced itself, and sends it no card digit: brand, completeness and validity only.
(function () {
  'use strict';

  var body = document.body;
  if (body.classList.contains('phone')) {
    phoneView();
    return;
  }
  var form = document.getElementById('card-form');
  if (!form) {
    return; // the "closed" page
  }
  var sessionId = body.dataset.session;
  var allowed = (body.dataset.origins || '').split(' ').filter(Boolean);
  var lang = body.dataset.locale === 'it' ? 'it' : 'en';
  var T = {
    en: {
      panIncomplete: 'Enter the whole card number.',
      panInvalid: 'This card number is not valid: check the digits.',
      expInvalid: 'Enter the expiry as MM/YY.',
      expPast: 'This card has expired.',
      saving: 'Saving the card…',
      saved: 'Card saved.',
      closed: 'This payment form is closed. Ask the agent to start again.',
      failed: 'The card could not be saved. Try again.',
      notReady: 'The payment form is not connected yet.'
    },
    it: {
      panIncomplete: 'Inserisci il numero completo della carta.',
      panInvalid: 'Il numero della carta non è valido: controlla le cifre.',
      expInvalid: 'Inserisci la scadenza come MM/AA.',
      expPast: 'La carta è scaduta.',
      saving: 'Salvataggio della carta…',
      saved: 'Carta salvata.',
      closed: 'Questo modulo di pagamento è chiuso. Chiedi all\u2019operatore di ricominciare.',
      failed: 'Non è stato possibile salvare la carta. Riprova.',
      notReady: 'Il modulo di pagamento non è ancora collegato.'
    }
  }[lang];

  var pan = document.getElementById('pan');
  var exp = document.getElementById('exp');
  var name = document.getElementById('name');
  var brandOut = document.getElementById('brand');
  var status = document.getElementById('status');
  var button = document.getElementById('submit');

  var hostOrigin = null;
  var clientSecret = null;
  var digits = '';      // the card number typed, held only here
  var masked = false;   // the field shows the masked form
  var done = false;

  // Brands by IIN prefix ranges and lengths: the vault's own table (card.Brand), in its order.
  var BRANDS = [
    { name: 'VISA', label: 'Visa', ranges: [[4, 4]], lengths: [13, 16, 19] },
    { name: 'MASTERCARD', label: 'Mastercard', ranges: [[51, 55], [2221, 2720]], lengths: [16] },
    { name: 'AMEX', label: 'American Express', ranges: [[34, 34], [37, 37]], lengths: [15], groups: [4, 6, 5] },
    { name: 'DISCOVER', label: 'Discover', ranges: [[6011, 6011], [644, 649], [65, 65]], lengths: [16, 17, 18, 19] },
    { name: 'JCB', label: 'JCB', ranges: [[3528, 3589]], lengths: [16, 17, 18, 19] },
    { name: 'DINERS', label: 'Diners Club', ranges: [[300, 305], [36, 36], [38, 39]], lengths: [14, 15, 16, 17, 18, 19] },
    { name: 'UNIONPAY', label: 'UnionPay', ranges: [[62, 62]], lengths: [16, 17, 18, 19] },
    { name: 'MAESTRO', label: 'Maestro', ranges: [[5018, 5018], [5020, 5020], [5038, 5038], [5893, 5893], [6304, 6304],
      [6759, 6759], [6761, 6763], [50, 50], [56, 58]], lengths: [12, 13, 14, 15, 16, 17, 18, 19] }
  ];
  var UNKNOWN = { name: null, label: '', ranges: [], lengths: [12, 13, 14, 15, 16, 17, 18, 19] };

  function brandOf(d) {
    for (var i = 0; i < BRANDS.length; i++) {
      for (var j = 0; j < BRANDS[i].ranges.length; j++) {
        var r = BRANDS[i].ranges[j];
        var n = String(r[0]).length;
        if (d.length >= n) {
          var prefix = parseInt(d.slice(0, n), 10);
          if (prefix >= r[0] && prefix <= r[1]) {
            return BRANDS[i];
          }
        }
      }
    }
    return d.length >= 4 ? UNKNOWN : null;
  }

  function luhn(d) {
    var sum = 0;
    for (var i = 0; i < d.length; i++) {
      var n = d.charCodeAt(d.length - 1 - i) - 48;
      if (i % 2 === 1) {
        n *= 2;
        if (n > 9) {
          n -= 9;
        }
      }
      sum += n;
    }
    return d.length > 0 && sum % 10 === 0;
  }

  function grouped(d, brand) {
    var groups = brand && brand.groups ? brand.groups : [4, 4, 4, 4, 3];
    var out = [];
    var at = 0;
    for (var i = 0; i < groups.length && at < d.length; i++) {
      out.push(d.substr(at, groups[i]));
      at += groups[i];
    }
    if (at < d.length) {
      out.push(d.substr(at));
    }
    return out.join(' ');
  }

  function panState() {
    var brand = brandOf(digits);
    var complete = brand !== null && brand.lengths.indexOf(digits.length) >= 0;
    return { brand: brand, complete: complete, valid: complete && luhn(digits), empty: digits.length === 0 };
  }

  function expiryState() {
    var m = /^(\d{2})\/(\d{2})$/.exec(exp.value);
    if (!m) {
      return { complete: false, valid: false, empty: exp.value.length === 0 };
    }
    var month = parseInt(m[1], 10);
    var year = 2000 + parseInt(m[2], 10);
    if (month < 1 || month > 12) {
      return { complete: true, valid: false, empty: false, error: T.expInvalid };
    }
    var now = new Date();
    var past = year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1);
    return { complete: true, valid: !past, empty: false, month: month, year: year, error: past ? T.expPast : null };
  }

  function post(message) {
    if (hostOrigin) {
      window.parent.postMessage(message, hostOrigin);
    }
  }

  var lastHeight = 0;
  function resized() {
    var height = document.documentElement.scrollHeight;
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: 'cardvault:resize', height: height });
    }
  }

  function changed() {
    var p = panState();
    var e = expiryState();
    brandOut.textContent = p.brand ? p.brand.label : '';
    post({
      type: 'cardvault:change',
      state: {
        brand: p.brand && p.brand.name ? p.brand.name : null,
        complete: p.complete && e.complete,
        valid: p.valid && e.valid,
        empty: p.empty && e.empty && name.value.length === 0
      }
    });
    resized();
  }

  function showError(input, text) {
    var out = document.getElementById(input.id + '-error');
    out.textContent = text || '';
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
    resized();
  }

  function panError() {
    var p = panState();
    if (!p.complete) {
      return T.panIncomplete;
    }
    return p.valid ? null : T.panInvalid;
  }

  function expError() {
    var e = expiryState();
    if (!e.complete) {
      return T.expInvalid;
    }
    return e.error || null;
  }

  pan.addEventListener('input', function () {
    digits = pan.value.replace(/\D/g, '').slice(0, 19);
    var brand = brandOf(digits);
    pan.value = grouped(digits, brand);
    var p = panState();
    // As you type: a number of a complete length that fails the Luhn check says so at once (and
    // stops saying it when typing goes on to a longer valid length).
    showError(pan, p.complete && !p.valid ? T.panInvalid : null);
    changed();
  });
  pan.addEventListener('focus', function () {
    if (masked && !done) {
      pan.value = grouped(digits, brandOf(digits));
      masked = false;
    }
  });
  pan.addEventListener('blur', function () {
    var p = panState();
    if (p.valid) {
      pan.value = '\u2022\u2022\u2022\u2022 ' + digits.slice(-4); // masked once complete
      masked = true;
    } else if (!p.empty) {
      showError(pan, panError());
    }
  });
  exp.addEventListener('input', function () {
    var d = exp.value.replace(/\D/g, '').slice(0, 4);
    exp.value = d.length > 2 ? d.slice(0, 2) + '/' + d.slice(2) : d;
    showError(exp, null);
    changed();
  });
  exp.addEventListener('blur', function () {
    if (exp.value.length > 0) {
      showError(exp, expError());
    }
  });
  name.addEventListener('input', changed);

  function submit() {
    if (done) {
      return;
    }
    var pe = panError();
    var ee = expError();
    showError(pan, pe);
    showError(exp, ee);
    if (pe || ee) {
      (pe ? pan : exp).focus();
      post({ type: 'cardvault:error', error: { code: 'invalid-card', message: pe || ee } });
      return;
    }
    if (!clientSecret) {
      status.textContent = T.notReady;
      return;
    }
    var e = expiryState();
    button.disabled = true;
    status.textContent = T.saving;
    var request = new XMLHttpRequest();
    request.open('POST', '/widget/v1/sessions/' + encodeURIComponent(sessionId) + '/card');
    request.setRequestHeader('Content-Type', 'application/json');
    request.setRequestHeader('CardVault-Client-Secret', clientSecret);
    request.onload = function () {
      var answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (ignored) {
        answer = null;
      }
      if (request.status === 201 && answer) {
        done = true;
        digits = '';
        pan.value = '\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 ' + answer.last4;
        pan.disabled = exp.disabled = name.disabled = true;
        status.textContent = T.saved;
        body.classList.add('done');
        post({
          type: 'cardvault:token',
          token: { token: answer.token, brand: answer.brand, last4: answer.last4, expMonth: answer.expMonth, expYear: answer.expYear }
        });
        return;
      }
      button.disabled = false;
      var type = answer && typeof answer.type === 'string' ? answer.type.replace(/^.*\//, '') : 'error';
      var message = type === 'capture-session-closed' || type === 'capture-session-not-found' || type === 'invalid-client-secret'
        ? T.closed : type === 'validation-failed' ? T.panInvalid : T.failed;
      if (type === 'validation-failed' && answer.errors) {
        answer.errors.forEach(function (err) {
          if (err.field === 'expMonth' || err.field === 'expYear') {
            showError(exp, T.expInvalid);
          } else if (err.field === 'pan') {
            showError(pan, T.panInvalid);
          }
        });
      }
      status.textContent = message;
      post({ type: 'cardvault:error', error: { code: type, message: message } });
    };
    request.onerror = function () {
      button.disabled = false;
      status.textContent = T.failed;
      post({ type: 'cardvault:error', error: { code: 'network', message: T.failed } });
    };
    request.send(JSON.stringify({
      pan: digits, expMonth: e.month, expYear: e.year, cardholderName: name.value.trim() === '' ? null : name.value.trim()
    }));
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault(); // Enter or the button: never a navigation
    submit();
  });

  window.addEventListener('message', function (event) {
    // Only the framing page, and only from an origin the session allows.
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) {
      return;
    }
    var m = event.data || {};
    if (m.type === 'cardvault:init' && hostOrigin === null && typeof m.clientSecret === 'string') {
      hostOrigin = event.origin;
      clientSecret = m.clientSecret;
      post({ type: 'cardvault:ready' });
      changed();
      if (window.ResizeObserver) {
        new ResizeObserver(resized).observe(document.documentElement); // errors and status lines change the height
      }
    } else if (m.type === 'cardvault:submit' && event.origin === hostOrigin) {
      submit();
    }
  });

  // A PHONE session: the customer keys the card on the phone; this frame shows the agent the same
  // masked progress as the vault's event stream (never a digit but the last four at the end), and
  // tells the host page what the keyed form does (onChange, onToken, onError), as for a typed card.
  function phoneView() {
    var sessionId = body.dataset.session;
    var allowed = (body.dataset.origins || '').split(' ').filter(Boolean);
    var it = body.dataset.locale === 'it';
    var T = it ? {
      invalid: 'non valido, tentativo ', saved: 'Carta salvata.', failed: 'Troppi tentativi: la sessione è chiusa.',
      closed: 'La sessione è chiusa.', lost: 'Collegamento perso: riprovo…'
    } : {
      invalid: 'not valid, attempt ', saved: 'Card saved.', failed: 'Too many attempts: the session is closed.',
      closed: 'The session is closed.', lost: 'Connection lost: retrying…'
    };
    var hostOrigin = null;
    var secret = null;
    var lastId = 0;
    var ended = false;
    var pan = document.getElementById('pan-progress');
    var exp = document.getElementById('exp-progress');
    var status = document.getElementById('status');

    function post(message) {
      if (hostOrigin) {
        window.parent.postMessage(message, hostOrigin);
      }
    }

    function dots(n, total, group) {
      var out = '';
      for (var i = 0; i < Math.max(n, total); i++) {
        if (i > 0 && i % group === 0) {
          out += ' ';
        }
        out += i < n ? '\u2022' : '_';
      }
      return out;
    }

    function tick(id, valid, attempt) {
      var t = document.getElementById(id);
      t.textContent = valid === true ? '\u2713' : valid === false ? '\u2717 ' + T.invalid + attempt : '';
      t.className = 'tick' + (valid === false ? ' bad' : valid === true ? ' ok' : '');
    }

    function show(type, data) {
      if (type === 'progress') {
        if (data.field === 'pan') {
          pan.textContent = dots(data.digitsEntered, 16, 4);
          tick('pan-tick', data.valid, data.attempt);
          document.getElementById('brand').textContent = data.brand || '';
        } else {
          if (data.valid === null || data.valid === undefined) {
            tick('pan-tick', true, 1); // the number was accepted
          }
          exp.textContent = dots(data.digitsEntered, 4, 2).replace(' ', '/');
          tick('exp-tick', data.valid, data.attempt);
        }
        post({ type: 'cardvault:change', state: { brand: data.brand || null, complete: false, valid: false,
          empty: data.field === 'pan' && data.digitsEntered === 0 } });
      } else if (type === 'completed') {
        ended = true;
        pan.textContent = '\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 ' + data.last4;
        exp.textContent = '\u2022\u2022/\u2022\u2022';
        tick('pan-tick', true, 1);
        tick('exp-tick', true, 1);
        status.textContent = T.saved;
        body.classList.add('done');
        post({ type: 'cardvault:change', state: { brand: data.brand, complete: true, valid: true, empty: false } });
        post({ type: 'cardvault:token', token: { token: data.token, brand: data.brand, last4: data.last4,
          expMonth: data.expMonth, expYear: data.expYear } });
      } else {
        ended = true;
        status.textContent = type === 'failed' ? T.failed : T.closed;
        post({ type: 'cardvault:error', error: { code: 'capture-' + type, message: status.textContent } });
      }
    }

    function listen() {
      var headers = { 'CardVault-Client-Secret': secret, 'Accept': 'text/event-stream' };
      if (lastId > 0) {
        headers['Last-Event-ID'] = String(lastId);
      }
      fetch('/widget/v1/sessions/' + encodeURIComponent(sessionId) + '/events', { headers: headers }).then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              return;
            }
            buffer += decoder.decode(chunk.value, { stream: true });
            var frames = buffer.split(/\r?\n\r?\n/);
            buffer = frames.pop();
            frames.forEach(function (frame) {
              var type = 'message';
              var data = '';
              frame.split(/\r?\n/).forEach(function (line) {
                if (line.indexOf('event:') === 0) {
                  type = line.slice(6).trim();
                } else if (line.indexOf('data:') === 0) {
                  data += line.slice(5).trim();
                } else if (line.indexOf('id:') === 0) {
                  lastId = parseInt(line.slice(3).trim(), 10) || lastId;
                }
              });
              if (data) {
                show(type, JSON.parse(data));
              }
            });
            return read();
          });
        }
        return read();
      }).then(function () {
        if (!ended) {
          setTimeout(listen, 1000);
        }
      }, function () {
        if (!ended) {
          status.textContent = T.lost;
          setTimeout(listen, 2000);
        }
      });
    }

    window.addEventListener('message', function (event) {
      if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) {
        return;
      }
      var m = event.data || {};
      if (m.type === 'cardvault:init' && hostOrigin === null && typeof m.clientSecret === 'string') {
        hostOrigin = event.origin;
        secret = m.clientSecret;
        post({ type: 'cardvault:ready' });
        post({ type: 'cardvault:resize', height: document.documentElement.scrollHeight });
        listen();
      }
    });
  }
}());
