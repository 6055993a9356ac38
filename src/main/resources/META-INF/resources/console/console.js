// The CardVault security console. Plain JavaScript, no dependencies: it calls the vault's /v1 API
// with the JWT the user pasted (kept in this closure only) and draws what the roles in it may see.
// Everything reaches the DOM through textContent and attributes, never as HTML.
(function () {
  'use strict';

  var TEXTS = {
    en: {
      skip: 'Skip to content', title: 'CardVault security console', language: 'Language',
      'signin.title': 'Sign in',
      'signin.intro': 'Paste a JWT from your identity provider. The page keeps it in memory only: reloading the page forgets it.',
      'signin.label': 'JWT', 'signin.use': 'Use this token', 'signin.dev': 'Development: how do I get a token?',
      'signin.devtext': 'In development (./mvnw quarkus:dev), mint a token with the script in keys-dev/, then paste it above. '
        + 'The signing key there is public: the production profile does not accept its tokens.',
      'signin.out': 'Sign out',
      'signin.noroles': 'This token holds none of the roles this console serves: key-custodian, auditor, privacy-officer.',
      'signin.bad': 'This is not a JWT (three base64url parts separated by dots).',
      'signin.expired': 'This token has expired: paste a new one.',
      'signin.rejected': 'The vault did not accept this token (expired, wrong issuer or signature): paste a new one.',
      'signin.who': 'Signed in as {sub}, tenant {tenant}, roles {roles}; the token expires at {exp}.',
      'seal.sealed': 'Sealed: the vault refuses every request until custodians unseal it',
      'seal.unsealed': 'Unsealed', 'seal.unknown': 'Seal status unknown: the vault does not answer',
      'seal.progress': '{progress} of {threshold} shares given',
      'keys.title': 'Keys', 'keys.versions': 'Key-encrypting key versions', 'keys.version': 'Version', 'keys.state': 'State',
      'keys.created': 'Created', 'keys.age': 'Age', 'keys.dataKeys': 'Data keys', 'keys.rotations': 'Rotations and re-keys',
      'keys.none': 'No rotation yet.', 'keys.days': '{n} days', 'keys.hours': '{n} hours',
      'kind.KEK': 'Key rotation', 'kind.DATA': 'Re-key of the card data', 'kind.MASTER': 'Master key rotation',
      'rot.requested': 'Requested by {who} at {at}', 'rot.reason': 'Reason: {reason}',
      'rot.approvals': 'Approvals: {n} of {required}', 'rot.approvedBy': 'Approved by {who}',
      'rot.versions': 'Version {from} to {to}', 'rot.progress': '{done} of {total} done ({pct} %)',
      'rot.approve': 'Approve', 'rot.own': 'You requested this: dual control needs another custodian to approve it.',
      'rot.already': 'You have approved this already.',
      'rot.master': 'A master key rotation is approved with a key share, through the API (docs/keys.md).',
      'rot.approved': 'Approved.',
      'state.PENDING_APPROVAL': 'waiting for approval', 'state.REWRAPPING': 'rewrapping', 'state.REKEYING': 're-keying',
      'state.COMPLETED': 'completed', 'state.EXPIRED': 'expired', 'state.AWAITING_SHARES': 'waiting for shares',
      'state.ACTIVE': 'active', 'state.DECRYPT_ONLY': 'decrypt only', 'state.RETIRED': 'retired',
      'audit.title': 'Audit trail', 'audit.verifyNow': 'Verify now', 'audit.export': 'Export the last 24 hours (signed NDJSON)',
      'audit.verifying': 'Verifying the whole trail…',
      'audit.valid': 'Trail valid', 'audit.invalid': 'Trail INVALID',
      'audit.validDetail': '{events} events in {chains} chains, {checkpoints} checkpoints; head {head}.',
      'audit.invalidDetail': '{problem} at position {seq} (chain {chain}): {reason}',
      'audit.checkpoint': 'Newest checkpoint signed at {at}, up to position {seq}.',
      'audit.noCheckpoint': 'No checkpoint signed yet.',
      'audit.checkedAt': 'Checked at {at}.',
      'audit.chart': 'Reveals per hour and purpose, last 24 hours (UTC)', 'audit.chartTable': 'The chart\'s figures as a table',
      'audit.hour': 'Hour (UTC)', 'audit.noPurpose': '(none stated)', 'audit.total': 'Total',
      'audit.top': 'Top revealing subjects', 'audit.denied': 'Denied attempts', 'audit.deniedTotal': '{n} denied attempts in the last 24 hours.',
      'audit.subject': 'Subject', 'audit.reveals': 'Reveals', 'audit.type': 'Type', 'audit.count': 'Count',
      'audit.events': 'Events', 'audit.anyType': 'any', 'audit.token': 'Token', 'audit.after': 'After position', 'audit.show': 'Show',
      'audit.at': 'At', 'audit.outcome': 'Outcome', 'audit.tenant': 'Tenant', 'audit.purpose': 'Purpose', 'audit.more': 'Next page',
      'audit.noEvents': 'No events match.', 'audit.exporting': 'Exporting…',
      'audit.exported': 'Exported {n} lines, signed; saved as {file}.',
      'audit.chartEmpty': 'No reveals in the last 24 hours.',
      'privacy.title': 'Data-subject requests',
      'privacy.intro': 'For the tenant in your token. The card number goes to the vault and is cleared from this page as soon as it is sent; answers never contain it.',
      'privacy.kind': 'Request', 'privacy.access': 'Access (Art. 15)', 'privacy.restriction': 'Restriction (Art. 18)',
      'privacy.erasure': 'Erasure (Art. 17)', 'privacy.card': 'Card number',
      'privacy.restrict': 'Restrict processing (clear to lift a restriction)',
      'privacy.confirm': 'I understand that erasure destroys every token of this card in the tenant, for good',
      'privacy.send': 'Send', 'privacy.needConfirm': 'Tick the box to confirm the erasure.',
      'privacy.needCard': 'Enter the card number the data subject gave.',
      'privacy.erased': 'Erased: {n} tokens destroyed.', 'privacy.changed': 'Done: {n} tokens changed.',
      'privacy.access.result': '{n} tokens of this card in the tenant.',
      'privacy.receipt': 'Signed receipt', 'privacy.receiptId': 'Receipt', 'privacy.signature': 'Signature ({alg}, key {key})',
      'privacy.verified': 'Signature verified in this browser with the vault\'s receipt key.',
      'privacy.notVerified': 'This browser cannot check Ed25519 signatures: verify the receipt with the key from GET /v1/privacy/receipt-key.',
      'privacy.badSignature': 'The signature does NOT verify with the vault\'s receipt key.',
      'privacy.history': '{n} events in its history',
      'error.network': 'The vault did not answer. Try again.',
      'error.status': 'The vault answered {status}.'
    },
    it: {
      skip: 'Vai al contenuto', title: 'Console di sicurezza CardVault', language: 'Lingua',
      'signin.title': 'Accesso',
      'signin.intro': 'Incolla un JWT del tuo identity provider. La pagina lo tiene solo in memoria: ricaricarla lo dimentica.',
      'signin.label': 'JWT', 'signin.use': 'Usa questo token', 'signin.dev': 'Sviluppo: come ottengo un token?',
      'signin.devtext': 'In sviluppo (./mvnw quarkus:dev) crea un token con lo script in keys-dev/ e incollalo qui sopra. '
        + 'La chiave di firma lì è pubblica: il profilo di produzione non accetta i suoi token.',
      'signin.out': 'Esci',
      'signin.noroles': 'Questo token non ha nessuno dei ruoli di questa console: key-custodian, auditor, privacy-officer.',
      'signin.bad': 'Questo non è un JWT (tre parti base64url separate da punti).',
      'signin.expired': 'Questo token è scaduto: incollane uno nuovo.',
      'signin.rejected': 'Il vault non ha accettato questo token (scaduto, emittente o firma errati): incollane uno nuovo.',
      'signin.who': 'Accesso come {sub}, tenant {tenant}, ruoli {roles}; il token scade alle {exp}.',
      'seal.sealed': 'Sigillato: il vault rifiuta ogni richiesta finché i custodi non lo aprono',
      'seal.unsealed': 'Aperto', 'seal.unknown': 'Stato del sigillo sconosciuto: il vault non risponde',
      'seal.progress': '{progress} di {threshold} quote fornite',
      'keys.title': 'Chiavi', 'keys.versions': 'Versioni della chiave di cifratura delle chiavi', 'keys.version': 'Versione',
      'keys.state': 'Stato', 'keys.created': 'Creata', 'keys.age': 'Età', 'keys.dataKeys': 'Chiavi dati',
      'keys.rotations': 'Rotazioni e ricifrature', 'keys.none': 'Ancora nessuna rotazione.', 'keys.days': '{n} giorni',
      'keys.hours': '{n} ore',
      'kind.KEK': 'Rotazione della chiave', 'kind.DATA': 'Ricifratura dei dati delle carte', 'kind.MASTER': 'Rotazione della chiave master',
      'rot.requested': 'Richiesta da {who} alle {at}', 'rot.reason': 'Motivo: {reason}',
      'rot.approvals': 'Approvazioni: {n} di {required}', 'rot.approvedBy': 'Approvata da {who}',
      'rot.versions': 'Dalla versione {from} alla {to}', 'rot.progress': '{done} di {total} fatte ({pct} %)',
      'rot.approve': 'Approva', 'rot.own': 'L\'hai richiesta tu: il doppio controllo vuole che la approvi un altro custode.',
      'rot.already': 'L\'hai già approvata.',
      'rot.master': 'Una rotazione della chiave master si approva con una quota della chiave, tramite l\'API (docs/keys.md).',
      'rot.approved': 'Approvata.',
      'state.PENDING_APPROVAL': 'in attesa di approvazione', 'state.REWRAPPING': 'in ricifratura delle chiavi',
      'state.REKEYING': 'in ricifratura dei dati', 'state.COMPLETED': 'completata', 'state.EXPIRED': 'scaduta',
      'state.AWAITING_SHARES': 'in attesa delle quote', 'state.ACTIVE': 'attiva', 'state.DECRYPT_ONLY': 'solo decifratura',
      'state.RETIRED': 'ritirata',
      'audit.title': 'Registro di audit', 'audit.verifyNow': 'Verifica ora', 'audit.export': 'Esporta le ultime 24 ore (NDJSON firmato)',
      'audit.verifying': 'Verifica dell\'intero registro…',
      'audit.valid': 'Registro valido', 'audit.invalid': 'Registro NON VALIDO',
      'audit.validDetail': '{events} eventi in {chains} catene, {checkpoints} checkpoint; testa {head}.',
      'audit.invalidDetail': '{problem} alla posizione {seq} (catena {chain}): {reason}',
      'audit.checkpoint': 'Ultimo checkpoint firmato alle {at}, fino alla posizione {seq}.',
      'audit.noCheckpoint': 'Ancora nessun checkpoint firmato.',
      'audit.checkedAt': 'Verificato alle {at}.',
      'audit.chart': 'Letture per ora e finalità, ultime 24 ore (UTC)', 'audit.chartTable': 'I dati del grafico in tabella',
      'audit.hour': 'Ora (UTC)', 'audit.noPurpose': '(nessuna indicata)', 'audit.total': 'Totale',
      'audit.top': 'Soggetti con più letture', 'audit.denied': 'Tentativi negati',
      'audit.deniedTotal': '{n} tentativi negati nelle ultime 24 ore.',
      'audit.subject': 'Soggetto', 'audit.reveals': 'Letture', 'audit.type': 'Tipo', 'audit.count': 'Numero',
      'audit.events': 'Eventi', 'audit.anyType': 'qualsiasi', 'audit.token': 'Token', 'audit.after': 'Dopo la posizione',
      'audit.show': 'Mostra', 'audit.at': 'Quando', 'audit.outcome': 'Esito', 'audit.tenant': 'Tenant', 'audit.purpose': 'Finalità',
      'audit.more': 'Pagina successiva', 'audit.noEvents': 'Nessun evento corrisponde.', 'audit.exporting': 'Esportazione…',
      'audit.exported': 'Esportate {n} righe, firmate; salvate come {file}.',
      'audit.chartEmpty': 'Nessuna lettura nelle ultime 24 ore.',
      'privacy.title': 'Richieste degli interessati',
      'privacy.intro': 'Per il tenant del tuo token. Il numero della carta va al vault e viene cancellato da questa pagina appena inviato; le risposte non lo contengono mai.',
      'privacy.kind': 'Richiesta', 'privacy.access': 'Accesso (art. 15)', 'privacy.restriction': 'Limitazione (art. 18)',
      'privacy.erasure': 'Cancellazione (art. 17)', 'privacy.card': 'Numero della carta',
      'privacy.restrict': 'Limita il trattamento (togli la spunta per revocare una limitazione)',
      'privacy.confirm': 'Ho compreso che la cancellazione distrugge per sempre ogni token di questa carta nel tenant',
      'privacy.send': 'Invia', 'privacy.needConfirm': 'Spunta la casella per confermare la cancellazione.',
      'privacy.needCard': 'Inserisci il numero della carta fornito dall\'interessato.',
      'privacy.erased': 'Cancellata: {n} token distrutti.', 'privacy.changed': 'Fatto: {n} token modificati.',
      'privacy.access.result': '{n} token di questa carta nel tenant.',
      'privacy.receipt': 'Ricevuta firmata', 'privacy.receiptId': 'Ricevuta', 'privacy.signature': 'Firma ({alg}, chiave {key})',
      'privacy.verified': 'Firma verificata in questo browser con la chiave delle ricevute del vault.',
      'privacy.notVerified': 'Questo browser non verifica firme Ed25519: verifica la ricevuta con la chiave di GET /v1/privacy/receipt-key.',
      'privacy.badSignature': 'La firma NON è valida per la chiave delle ricevute del vault.',
      'privacy.history': '{n} eventi nella sua storia',
      'error.network': 'Il vault non ha risposto. Riprova.',
      'error.status': 'Il vault ha risposto {status}.'
    }
  };
  var COLOURS = ['#1f5fa8', '#c2571a', '#2e7d32', '#8e3a9e', '#b8860b', '#00838f', '#6d4c41', '#5c6bc0'];

  var lang = document.documentElement.lang;
  var jwt = null; // the pasted token: in this closure only, never stored
  var claims = null;
  var timers = [];
  var eventsAfter = 0;

  function $(id) { return document.getElementById(id); }

  function t(key, params) {
    var s = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.en[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(params[k])); });
    return s;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function when(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    return d.toLocaleString(lang === 'it' ? 'it-IT' : 'en-GB', { timeZone: 'UTC', hour12: false }) + ' UTC';
  }

  function applyTexts() {
    document.documentElement.lang = lang;
    document.title = t('title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
    $('lang').value = lang;
  }

  // --- the API ------------------------------------------------------------------------------------
  function problemText(status, body) {
    if (body && (body.detail || body.title)) { return body.detail || body.title; }
    return t('error.status', { status: status });
  }

  function api(method, path, body) {
    var init = { method: method, headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' };
    if (jwt) { init.headers.Authorization = 'Bearer ' + jwt; }
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      var type = r.headers.get('Content-Type') || '';
      var parsed = type.indexOf('json') >= 0 ? r.json().catch(function () { return null; }) : r.text().then(function () { return null; });
      return parsed.then(function (json) {
        if (r.status === 401 && jwt) { signOut(t('signin.rejected')); }
        if (!r.ok) { var e = new Error(problemText(r.status, json)); e.status = r.status; throw e; }
        return json;
      });
    }, function () { throw new Error(t('error.network')); });
  }

  // --- signing in ---------------------------------------------------------------------------------
  /** Bytes of base64 or base64url text (a JWT part, a receipt's payload, signature or key). */
  function bytesOf(b64) {
    var text = b64.replace(/-/g, '+').replace(/_/g, '/');
    while (text.length % 4) { text += '='; }
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function decode(part) { return JSON.parse(new TextDecoder().decode(bytesOf(part))); }

  function roles() { return (claims && Array.isArray(claims.groups)) ? claims.groups : []; }
  function has(role) { return roles().indexOf(role) >= 0; }

  function signIn() {
    var value = $('jwt').value.trim();
    $('jwt').value = '';
    $('signin-error').textContent = '';
    var parts = value.split('.');
    var c;
    try { c = parts.length === 3 ? decode(parts[1]) : null; } catch (e) { c = null; }
    if (!c) { $('signin-error').textContent = t('signin.bad'); return; }
    if (typeof c.exp === 'number' && c.exp * 1000 < Date.now()) { $('signin-error').textContent = t('signin.expired'); return; }
    jwt = value;
    claims = c;
    render();
  }

  function signOut(message) {
    jwt = null;
    claims = null;
    render();
    $('signin-error').textContent = message || '';
  }

  function stopTimers() { timers.forEach(clearInterval); timers = []; }

  function render() {
    stopTimers();
    var signedIn = jwt !== null;
    $('signin-form').hidden = signedIn;
    $('signed-in').hidden = !signedIn;
    $('custodian').hidden = !(signedIn && has('key-custodian'));
    $('auditor').hidden = !(signedIn && has('auditor'));
    $('privacy').hidden = !(signedIn && has('privacy-officer'));
    $('noroles').hidden = !signedIn || has('key-custodian') || has('auditor') || has('privacy-officer');
    if (!signedIn) { clear($('subject-result')); return; }
    $('who').textContent = t('signin.who', { sub: claims.sub, tenant: claims.tenant || '-', roles: roles().join(', ') || '-',
      exp: typeof claims.exp === 'number' ? when(new Date(claims.exp * 1000).toISOString()) : '-' });
    if (has('key-custodian')) { refreshKeys(); timers.push(setInterval(refreshKeys, 1000)); }
    if (has('auditor')) { verify(); summary(); showEvents(true); timers.push(setInterval(summary, 60000)); }
  }

  // --- seal status (no sign-in needed) --------------------------------------------------------------
  function refreshSeal() {
    api('GET', '/v1/sys/seal-status').then(function (s) {
      var badge = $('seal');
      badge.className = 'badge ' + (s.sealed ? 'bad' : 'good');
      badge.textContent = s.sealed ? t('seal.sealed') + (s.threshold ? ' (' + t('seal.progress', s) + ')' : '') : t('seal.unsealed');
      badge.setAttribute('data-sealed', String(s.sealed));
    }, function () {
      $('seal').className = 'badge bad';
      $('seal').textContent = t('seal.unknown');
    });
  }

  // --- key custodians ----------------------------------------------------------------------------------
  function age(iso) {
    var hours = Math.floor((Date.now() - new Date(iso).getTime()) / 3600000);
    return hours >= 48 ? t('keys.days', { n: Math.floor(hours / 24) }) : t('keys.hours', { n: Math.max(0, hours) });
  }

  function refreshKeys() {
    api('GET', '/v1/keys').then(function (k) {
      $('keys-error').textContent = '';
      var body = $('versions').tBodies[0];
      clear(body);
      k.versions.slice().reverse().forEach(function (v) {
        var tr = el('tr');
        tr.appendChild(el('td', String(v.version)));
        tr.appendChild(el('td', t('state.' + v.state), 'state-' + v.state));
        tr.appendChild(el('td', when(v.createdAt)));
        tr.appendChild(el('td', v.createdAt ? age(v.createdAt) : ''));
        tr.appendChild(el('td', String(v.dataKeys)));
        body.appendChild(tr);
      });
      drawRotations(k.rotations || []);
    }, function (e) { $('keys-error').textContent = e.message; });
  }

  function drawRotations(rotations) {
    var list = $('rotations');
    // Rebuilt only when something changed, so that focus and screen readers are not disturbed every second.
    var signature = JSON.stringify(rotations) + lang;
    if (list.getAttribute('data-signature') === signature) { return; }
    var focused = document.activeElement && document.activeElement.getAttribute('data-rotation');
    list.setAttribute('data-signature', signature);
    clear(list);
    if (rotations.length === 0) { list.appendChild(el('li', t('keys.none'))); return; }
    rotations.forEach(function (r) {
      var li = el('li', null, 'card');
      li.setAttribute('data-rotation-id', r.id);
      li.setAttribute('data-state', r.state);
      var h = el('h4', t('kind.' + r.kind) + ' · ' + t('state.' + r.state));
      li.appendChild(h);
      li.appendChild(el('p', t('rot.requested', { who: r.requestedBy, at: when(r.requestedAt) })));
      if (r.reason) { li.appendChild(el('p', t('rot.reason', { reason: r.reason }))); }
      if (r.fromVersion !== null && r.fromVersion !== undefined && r.toVersion !== null && r.toVersion !== undefined) {
        li.appendChild(el('p', t('rot.versions', { from: r.fromVersion, to: r.toVersion })));
      }
      li.appendChild(el('p', t('rot.approvals', { n: (r.approvals || []).length, required: r.approvalsRequired })
        + ((r.approvals || []).length ? ' (' + r.approvals.join(', ') + ')' : '')));
      if (typeof r.total === 'number') {
        var pct = r.total === 0 ? 100 : Math.floor(100 * r.rewrapped / r.total);
        if (r.state === 'COMPLETED') { pct = 100; }
        var bar = el('div', null, 'progress');
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-valuemin', '0');
        bar.setAttribute('aria-valuemax', '100');
        bar.setAttribute('aria-valuenow', String(pct));
        bar.setAttribute('aria-label', t('kind.' + r.kind));
        var fill = el('div', null, 'fill');
        fill.style.width = pct + '%';
        bar.appendChild(fill);
        li.appendChild(bar);
        li.appendChild(el('p', t('rot.progress', { done: r.rewrapped, total: r.total, pct: pct }), 'progress-text'));
      }
      if (r.state === 'PENDING_APPROVAL') { li.appendChild(approveControl(r)); }
      list.appendChild(li);
    });
    if (focused) {
      var again = list.querySelector('[data-rotation="' + focused + '"]');
      if (again) { again.focus(); }
    }
  }

  function approveControl(r) {
    var wrap = el('div', null, 'approve');
    if (r.kind === 'MASTER') { wrap.appendChild(el('p', t('rot.master'))); return wrap; }
    var button = el('button', t('rot.approve'));
    button.type = 'button';
    button.setAttribute('data-rotation', r.id);
    var why = null;
    if (r.requestedBy === claims.sub) { why = t('rot.own'); } else if ((r.approvals || []).indexOf(claims.sub) >= 0) { why = t('rot.already'); }
    var note = el('p', why || '', 'why');
    note.id = 'why-' + r.id;
    if (why) {
      button.disabled = true;
      button.setAttribute('aria-describedby', note.id);
    }
    var status = el('p', '', 'error');
    status.setAttribute('role', 'alert');
    button.addEventListener('click', function () {
      button.disabled = true;
      var path = (r.kind === 'DATA' ? '/v1/keys/rekeys/' : '/v1/keys/rotations/') + encodeURIComponent(r.id) + '/approve';
      api('POST', path).then(function () { refreshKeys(); }, function (e) { status.textContent = e.message; button.disabled = false; });
    });
    wrap.appendChild(button);
    wrap.appendChild(note);
    wrap.appendChild(status);
    return wrap;
  }

  // --- auditors -----------------------------------------------------------------------------------
  function verify() {
    var badge = $('verify');
    badge.className = 'badge';
    badge.removeAttribute('data-valid');
    badge.textContent = t('audit.verifying');
    $('verify-detail').textContent = '';
    api('GET', '/v1/audit/verify').then(function (v) {
      badge.className = 'badge ' + (v.valid ? 'good' : 'bad');
      badge.setAttribute('data-valid', String(v.valid));
      badge.textContent = v.valid ? t('audit.valid') : t('audit.invalid');
      var detail = v.valid ? t('audit.validDetail', { events: v.events, chains: v.chains, checkpoints: v.checkpoints, head: String(v.head || '').slice(0, 16) })
        : t('audit.invalidDetail', { problem: v.problem, seq: v.firstInvalidSeq, chain: v.chain, reason: v.reason });
      $('verify-detail').textContent = detail + ' ' + t('audit.checkedAt', { at: when(new Date().toISOString()) });
    }, function (e) { badge.className = 'badge bad'; badge.textContent = e.message; });
  }

  function summary() {
    api('GET', '/v1/audit/summary?hours=24').then(function (s) {
      $('audit-error').textContent = '';
      drawChart(s);
      fillRows($('top').tBodies[0], s.topSubjects.map(function (x) { return [x.subject, x.count]; }));
      fillRows($('denied').tBodies[0], s.topDenied.map(function (x) { return [x.subject || '-', x.type, x.count]; }));
      var select = $('f-type');
      if (select.options.length === 1) {
        s.eventTypes.forEach(function (type) { var o = el('option', type); o.value = type; select.appendChild(o); });
      }
      $('denied-total').textContent = t('audit.deniedTotal', { n: s.denied });
      var cp = s.lastCheckpointAt ? t('audit.checkpoint', { at: when(s.lastCheckpointAt), seq: s.lastCheckpointUptoSeq }) : t('audit.noCheckpoint');
      var line = $('checkpoint') || el('p');
      line.id = 'checkpoint';
      line.textContent = cp;
      $('verify-detail').after(line);
      if (!$('f-after').value) { $('f-after').value = String(Math.max(0, s.highestSeq - 50)); showEvents(true); }
    }, function (e) { $('audit-error').textContent = e.message; });
  }

  function fillRows(body, rows) {
    clear(body);
    rows.forEach(function (cells) {
      var tr = el('tr');
      cells.forEach(function (c) { tr.appendChild(el('td', String(c))); });
      body.appendChild(tr);
    });
  }

  function svg(tag, attrs, text) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function drawChart(s) {
    var start = new Date(s.from).getTime();
    var hours = [];
    for (var i = 0; i < s.hours; i++) { hours.push(start + i * 3600000); }
    var purposes = [];
    var counts = {};
    s.revealsByHour.forEach(function (r) {
      var p = r.purpose || t('audit.noPurpose');
      if (purposes.indexOf(p) < 0) { purposes.push(p); }
      counts[new Date(r.hour).getTime() + '|' + p] = r.reveals;
    });
    var totals = hours.map(function (h) { return purposes.reduce(function (a, p) { return a + (counts[h + '|' + p] || 0); }, 0); });
    var max = Math.max.apply(null, totals.concat([1]));
    var W = 720, H = 260, left = 48, bottom = 28, top = 12, legend = 20;
    var plotH = H - bottom - top - legend;
    var bw = (W - left - 8) / hours.length;
    var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', width: '100%', 'aria-labelledby': 'chart-title' });
    chart.appendChild(svg('title', { id: 'chart-title' }, t('audit.chart')));
    chart.appendChild(svg('line', { x1: left, y1: top, x2: left, y2: top + plotH, stroke: '#555' }));
    chart.appendChild(svg('line', { x1: left, y1: top + plotH, x2: W - 8, y2: top + plotH, stroke: '#555' }));
    chart.appendChild(svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', 'font-size': 11 }, String(max)));
    chart.appendChild(svg('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end', 'font-size': 11 }, '0'));
    hours.forEach(function (h, i) {
      var y = top + plotH;
      purposes.forEach(function (p, j) {
        var n = counts[h + '|' + p] || 0;
        if (n === 0) { return; }
        var bh = plotH * n / max;
        y -= bh;
        var rect = svg('rect', { x: left + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: bh, fill: COLOURS[j % COLOURS.length] });
        rect.appendChild(svg('title', {}, new Date(h).toISOString().slice(11, 16) + ' ' + p + ': ' + n));
        chart.appendChild(rect);
      });
      if (i % 3 === 0) {
        chart.appendChild(svg('text', { x: left + i * bw + bw / 2, y: top + plotH + 16, 'text-anchor': 'middle', 'font-size': 11 },
          new Date(h).toISOString().slice(11, 13)));
      }
    });
    purposes.forEach(function (p, j) {
      var x = left + j * 150;
      chart.appendChild(svg('rect', { x: x, y: H - 14, width: 10, height: 10, fill: COLOURS[j % COLOURS.length] }));
      chart.appendChild(svg('text', { x: x + 14, y: H - 5, 'font-size': 11 }, p));
    });
    var box = $('chart');
    clear(box);
    box.appendChild(chart);
    if (purposes.length === 0) { box.appendChild(el('p', t('audit.chartEmpty'))); }
    var table = $('chart-table');
    clear(table.tHead);
    var head = el('tr');
    [t('audit.hour')].concat(purposes, [t('audit.total')]).forEach(function (c) { var th = el('th', c); th.scope = 'col'; head.appendChild(th); });
    table.tHead.appendChild(head);
    fillRows(table.tBodies[0], hours.map(function (h, i) {
      return [new Date(h).toISOString().slice(11, 16)].concat(purposes.map(function (p) { return counts[h + '|' + p] || 0; }), [totals[i]]);
    }));
  }

  function showEvents(fresh) {
    if (fresh) { eventsAfter = parseInt($('f-after').value, 10) || 0; clear($('events').tBodies[0]); }
    var q = '?limit=50&afterSeq=' + eventsAfter;
    [['type', $('f-type').value], ['subject', $('f-subject').value.trim()], ['token', $('f-token').value.trim()]].forEach(function (p) {
      if (p[1]) { q += '&' + p[0] + '=' + encodeURIComponent(p[1]); }
    });
    api('GET', '/v1/audit/events' + q).then(function (page) {
      $('audit-error').textContent = '';
      var body = $('events').tBodies[0];
      if (fresh && page.events.length === 0) { body.appendChild(el('tr')).appendChild(el('td', t('audit.noEvents'))).colSpan = 8; }
      page.events.forEach(function (e) {
        var tr = el('tr', null, e.outcome === 'SUCCESS' ? '' : 'outcome-' + e.outcome);
        [e.seq, when(e.at), e.type, e.outcome, e.subject || '', e.tenant || '', e.purpose || '', e.token || ''].forEach(function (c) {
          tr.appendChild(el('td', String(c)));
        });
        body.appendChild(tr);
      });
      eventsAfter = page.nextAfterSeq;
      $('more').hidden = page.events.length < 50;
    }, function (e) { $('audit-error').textContent = e.message; });
  }

  function exportDay() {
    var from = new Date(Date.now() - 24 * 3600000).toISOString();
    $('export-status').textContent = t('audit.exporting');
    fetch('/v1/audit/export?from=' + encodeURIComponent(from), { headers: { Authorization: 'Bearer ' + jwt }, cache: 'no-store', credentials: 'omit' })
      .then(function (r) {
        if (!r.ok) { return r.json().catch(function () { return null; }).then(function (b) { throw new Error(problemText(r.status, b)); }); }
        return r.blob();
      })
      .then(function (blob) {
        return blob.text().then(function (text) {
          var file = 'cardvault-audit-' + from.slice(0, 13).replace(/[:T]/g, '-') + '.ndjson';
          var a = el('a');
          a.href = URL.createObjectURL(blob);
          a.download = file;
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
          $('export-status').textContent = t('audit.exported', { n: text.split('\n').filter(Boolean).length, file: file });
        });
      })
      .catch(function (e) { $('export-status').textContent = e.message; });
  }

  // --- privacy officers -----------------------------------------------------------------------------
  function kind() { return document.querySelector('input[name="kind"]:checked').value; }

  function kindChanged() {
    $('restrict-row').hidden = kind() !== 'restriction';
    $('erase-row').hidden = kind() !== 'erasure';
  }

  function checkReceipt(receipt, line) {
    if (!window.crypto || !crypto.subtle) { line.textContent = t('privacy.notVerified'); return; }
    api('GET', '/v1/privacy/receipt-key').then(function (k) {
      return crypto.subtle.importKey('raw', bytesOf(k.publicKey), { name: 'Ed25519' }, false, ['verify'])
        .then(function (key) { return crypto.subtle.verify({ name: 'Ed25519' }, key, bytesOf(receipt.signature), bytesOf(receipt.payload)); })
        .then(function (ok) {
          line.textContent = ok ? t('privacy.verified') : t('privacy.badSignature');
          line.className = ok ? 'good-text' : 'error';
          line.setAttribute('data-verified', String(ok));
        });
    }).catch(function () { line.textContent = t('privacy.notVerified'); });
  }

  function showReceipt(box, receipt) {
    var sec = el('section', null, 'receipt');
    sec.setAttribute('aria-label', t('privacy.receipt'));
    sec.appendChild(el('h3', t('privacy.receipt')));
    var c = receipt.content || {};
    sec.appendChild(el('p', t('privacy.receiptId') + ': ' + (c.receiptId || '')));
    sec.appendChild(el('pre', JSON.stringify(c, null, 2)));
    sec.appendChild(el('p', t('privacy.signature', { alg: receipt.algorithm, key: receipt.keyId })));
    sec.appendChild(el('pre', receipt.signature, 'wrap'));
    var check = el('p');
    check.id = 'receipt-check';
    sec.appendChild(check);
    box.appendChild(sec);
    checkReceipt(receipt, check);
  }

  function sendSubjectRequest(ev) {
    ev.preventDefault();
    var card = $('card').value.replace(/[\s-]/g, '');
    $('privacy-error').textContent = '';
    if (!card) { $('privacy-error').textContent = t('privacy.needCard'); return; }
    if (kind() === 'erasure' && !$('erase-confirm').checked) { $('privacy-error').textContent = t('privacy.needConfirm'); return; }
    $('card').value = ''; // gone from the page before the answer arrives
    var path = { access: '/v1/subject-requests/access', restriction: '/v1/subject-requests/restriction', erasure: '/v1/erasures' }[kind()];
    var body = { pan: card };
    if (kind() === 'restriction') { body.restricted = $('restricted').checked; }
    card = null;
    var box = $('subject-result');
    clear(box);
    api('POST', path, body).then(function (r) {
      body = null;
      $('erase-confirm').checked = false;
      if (kind() === 'access') {
        box.appendChild(el('p', t('privacy.access.result', { n: r.tokens }), 'result'));
        var ul = el('ul');
        (r.entries || []).forEach(function (e) {
          var tok = e.token || {};
          ul.appendChild(el('li', [tok.token, tok.brand, tok.last4 ? '…' + tok.last4 : '', tok.purpose || '',
            t('privacy.history', { n: (e.history || []).length })].filter(Boolean).join(' · ')));
        });
        box.appendChild(ul);
        return;
      }
      box.appendChild(el('p', kind() === 'erasure' ? t('privacy.erased', { n: r.erased }) : t('privacy.changed', { n: r.tokens }), 'result'));
      if (r.receipt) { showReceipt(box, r.receipt); }
    }, function (e) { body = null; $('privacy-error').textContent = e.message; });
  }

  // --- wiring -------------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', function () {
    var asked = (navigator.language || 'en').slice(0, 2);
    lang = asked === 'it' ? 'it' : 'en';
    applyTexts();
    $('lang').addEventListener('change', function () { lang = $('lang').value; applyTexts(); refreshSeal(); render(); });
    $('use').addEventListener('click', signIn);
    $('signout').addEventListener('click', function () { signOut(''); });
    $('devhelp').addEventListener('click', function () {
      var open = $('devtext').hidden;
      $('devtext').hidden = !open;
      $('devhelp').setAttribute('aria-expanded', String(open));
    });
    $('reverify').addEventListener('click', verify);
    $('export').addEventListener('click', exportDay);
    $('filter').addEventListener('submit', function (ev) { ev.preventDefault(); showEvents(true); });
    $('more').addEventListener('click', function () { showEvents(false); });
    Array.prototype.forEach.call(document.querySelectorAll('input[name="kind"]'), function (r) { r.addEventListener('change', kindChanged); });
    $('subject-form').addEventListener('submit', sendSubjectRequest);
    refreshSeal();
    setInterval(refreshSeal, 5000);
  });
}());
