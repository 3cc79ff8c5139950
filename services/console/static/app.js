// FMS console: what plain HTML cannot do. Everything works without it; it adds live updates and print buttons.
(function () {
  'use strict';
  // Print buttons (labels): window.print cannot be an inline handler under the security policy.
  var printers = document.querySelectorAll('[data-print]');
  for (var i = 0; i < printers.length; i++) {
    printers[i].addEventListener('click', function () {
      window.print();
    });
  }
  // Copy buttons (a one-time sign-in link): shown only where the script runs; without it, select and copy.
  var copiers = document.querySelectorAll('[data-copy]');
  for (var j = 0; j < copiers.length; j++) {
    copiers[j].hidden = false;
    copiers[j].addEventListener('click', function (e) {
      var field = document.getElementById(e.currentTarget.getAttribute('data-copy'));
      var done = document.querySelector('[data-copied]');
      if (!field) return;
      field.select();
      var shown = function () {
        if (done) done.hidden = false;
      };
      if (window.navigator.clipboard && window.isSecureContext) window.navigator.clipboard.writeText(field.value).then(shown, function () {});
      else if (document.execCommand('copy')) shown();
    });
  }
  var body = document.body;
  if (!body || !body.getAttribute('data-live') || typeof EventSource === 'undefined') return;
  var pending = null;
  var busy = function () {
    var el = document.activeElement;
    if (!el) return false;
    var tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  };
  var refresh = function () {
    pending = null;
    // Someone is typing or choosing a file: do not pull the form from under them; try again soon.
    if (busy()) {
      pending = setTimeout(refresh, 5000);
      return;
    }
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) {
        if (!res.ok || res.redirected) return null;
        return res.text();
      })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('main');
        var main = document.getElementById('main');
        if (fresh && main) main.innerHTML = fresh.innerHTML;
        // The menu too: its Notifications item carries the count of unseen ones.
        var freshNav = doc.querySelector('header.top nav');
        var nav = document.querySelector('header.top nav');
        if (freshNav && nav) nav.innerHTML = freshNav.innerHTML;
      })
      .catch(function () {});
  };
  var source = new EventSource('/console/events');
  source.addEventListener('change', function () {
    if (!pending) pending = setTimeout(refresh, 600);
  });
  var note = document.querySelector('.live-note');
  if (note) note.hidden = false;
})();
