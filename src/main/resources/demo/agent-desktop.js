// The demo desktop: asks its backend for a capture session, loads cardvault.js from the vault and mounts the widget.
(function () {
  'use strict';
  var log = document.getElementById('log');
  var start = document.getElementById('start');
  var submit = document.getElementById('submit');
  var widget = null;
  var lastChange = '';

  function note(text) {
    var li = document.createElement('li');
    li.textContent = text;
    log.appendChild(li);
  }

  function json(response) {
    if (!response.ok) {
      throw new Error('HTTP ' + response.status);
    }
    return response.json();
  }

  function loadScript(vault) {
    return new Promise(function (resolve, reject) {
      if (window.CardVault) {
        resolve();
        return;
      }
      var s = document.createElement('script');
      s.src = vault + '/widget/v1/cardvault.js';
      s.onload = resolve;
      s.onerror = function () { reject(new Error('cardvault.js did not load')); };
      document.head.appendChild(s);
    });
  }

  var phone = document.getElementById('phone');

  function take(channel) {
    var locale = document.getElementById('locale').value;
    start.disabled = true;
    phone.disabled = true;
    document.getElementById('phone-hint').hidden = true;
    if (widget) {
      widget.destroy();
    }
    fetch('/demo/config').then(json).then(function (config) {
      return loadScript(config.vault).then(function () {
        return fetch('/demo/api/sessions?locale=' + locale + '&channel=' + channel, { method: 'POST' }).then(json)
          .then(function (session) {
            session.vault = config.vault;
            return session;
          });
      });
    }).then(function (session) {
      note('backend opened ' + channel + ' capture session ' + session.id + ' (expires ' + session.expiresAt + ')');
      if (channel === 'PHONE') {
        document.getElementById('phone-command').textContent = 'keys-dev/phone-sim.sh --tenant demo --vault ' + session.vault
          + ' --session ' + session.id + ' --card <a test card number> --expiry MMYY';
        document.getElementById('phone-hint').hidden = false;
      }
      widget = CardVault.mount(document.getElementById('payment'), {
        sessionId: session.id,
        clientSecret: session.clientSecret,
        locale: locale,
        onChange: function (s) {
          var text = JSON.stringify(s);
          if (text !== lastChange) { // one line per change of the form's description, not per key
            lastChange = text;
            note('onChange ' + text);
          }
        },
        onError: function (e) { note('onError ' + JSON.stringify(e)); },
        onToken: function (t) {
          note('onToken ' + JSON.stringify(t));
          submit.disabled = true;
          fetch('/demo/api/sessions/' + session.id).then(json).then(function (s) {
            note('backend check: session ' + s.state + ', token ' + (s.result ? s.result.token : '-'));
            start.disabled = false;
            phone.disabled = false;
          });
        }
      });
      submit.disabled = channel !== 'WEB';
    }).catch(function (e) {
      note('failed: ' + e.message);
      start.disabled = false;
      phone.disabled = false;
    });
  }

  start.addEventListener('click', function () { take('WEB'); });
  phone.addEventListener('click', function () { take('PHONE'); });

  submit.addEventListener('click', function () {
    if (widget) {
      widget.submit();
    }
  });
}());
