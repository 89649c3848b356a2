/**
 * The page's script, first part: the API caller (cookie session + CSRF header), messages, the
 * confirmation dialog, login/logout and tabs. Plain ES2020 for the browser, kept as a string
 * (no template literals inside) so that tsc alone builds the package.
 */
export const APP_CORE_JS = String.raw`
'use strict';
const W = { csrf: '', tab: 'tree', timers: [] };
const $ = (id) => document.getElementById(id);

W.api = async function (method, name, query, body) {
  const qs = query ? '?' + new URLSearchParams(query).toString() : '';
  const init = { method: method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') init.headers['X-Warren-Csrf'] = W.csrf;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch('api/' + name + qs, init);
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = { error: 'badAnswer' }; }
  if (response.status === 401 && name !== 'login' && name !== 'session') W.loggedOut();
  if (!response.ok) {
    const error = new Error(answer.message || answer.error || ('HTTP ' + response.status));
    error.code = answer.error || 'error';
    error.status = response.status;
    throw error;
  }
  return answer;
};

W.say = function (text, isError) {
  const box = $('message');
  box.textContent = text;
  box.className = isError ? 'error' : '';
  box.hidden = false;
};
W.fail = function (error) { W.say(error.code + ': ' + error.message, true); };

W.confirm = function (text) {
  return new Promise((resolve) => {
    $('confirm-text').textContent = text;
    $('confirm').hidden = false;
    const done = (ok) => {
      $('confirm').hidden = true;
      $('confirm-ok').onclick = null;
      $('confirm-cancel').onclick = null;
      resolve(ok);
    };
    $('confirm-ok').onclick = () => done(true);
    $('confirm-cancel').onclick = () => done(false);
  });
};

W.showTab = function (tab) {
  W.tab = tab;
  $('message').hidden = true;
  for (const button of document.querySelectorAll('#tabs button')) {
    button.classList.toggle('active', button.dataset.tab === tab);
  }
  for (const section of document.querySelectorAll('.tab')) {
    section.hidden = section.id !== 'tab-' + tab;
  }
  if (tab === 'cluster') W.loadCluster();
  if (tab === 'sessions') W.loadSessions();
  if (tab === 'charts') W.drawCharts();
};

W.loggedIn = function (answer) {
  W.csrf = answer.csrf;
  const ids = (answer.ids || []).map((i) => i.authScheme + ':' + i.user).join(', ');
  $('identity').textContent = 'as ' + (ids || 'world');
  $('login').hidden = true;
  $('main').hidden = false;
  $('tabs').hidden = false;
  $('logout').hidden = false;
  W.startPolling();
  W.openPath('/');
};

W.loggedOut = function () {
  W.csrf = '';
  W.stopPolling();
  $('login').hidden = false;
  $('main').hidden = true;
  $('tabs').hidden = true;
  $('logout').hidden = true;
  $('identity').textContent = '';
};

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {
    scheme: $('login-scheme').value,
    user: $('login-user').value,
    password: $('login-password').value,
  };
  $('login-password').value = '';
  try {
    W.loggedIn(await W.api('POST', 'login', null, body));
    W.say('Logged in.', false);
  } catch (error) { W.fail(error); }
});
$('logout').addEventListener('click', async () => {
  try { await W.api('POST', 'logout'); } catch (error) { /* logged out either way */ }
  W.loggedOut();
  W.say('Logged out.', false);
});
for (const button of document.querySelectorAll('#tabs button')) {
  button.addEventListener('click', () => W.showTab(button.dataset.tab));
}
`;
