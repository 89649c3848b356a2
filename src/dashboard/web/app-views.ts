/** The page's script: the cluster view, and the sessions and watches listings. */
export const APP_VIEWS_JS = String.raw`
W.badge = function (health) {
  const span = document.createElement('span');
  span.className = 'health ' + health;
  span.textContent = health;
  return span;
};

W.loadCluster = async function () {
  try {
    const view = await W.api('GET', 'cluster');
    $('cluster-summary').textContent = view.members.length + ' member(s); leader ' +
      view.leaderId + ', term ' + view.term + ', commit index ' + view.commitIndex +
      '; seen from member ' + view.selfId + '.';
    W.table('cluster-table', view.members.map((m) => [
      m.id + (m.self ? ' (this)' : ''),
      m.role,
      m.mode,
      m.zxid,
      m.lag === null ? '' : m.lag,
      m.peerConnected === null ? '' : (m.peerConnected ? 'up' : 'down'),
      m.clientAddress,
      W.badge(m.health),
    ]));
    document.querySelector('#cluster-table').dataset.loaded = String(view.members.length);
  } catch (error) { W.fail(error); }
};

W.loadSessions = async function () {
  try {
    const answer = await W.api('GET', 'sessions');
    W.table('sessions-table', (answer.connections || []).map((c) => [
      c.session_id || '(handshaking)', c.remote_socket_address, c.session_timeout || '',
      c.last_operation || '', c.packets_received, c.packets_sent, c.avg_latency || 0,
    ]));
    const watches = answer.path_to_session_ids || {};
    W.table('watches-table', Object.keys(watches).map((p) => [p, watches[p].join(', ')]));
  } catch (error) { W.fail(error); }
};
`;
