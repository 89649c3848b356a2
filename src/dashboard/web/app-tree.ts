/**
 * The page's script: the tree browser (children a page at a time), the node view (data as
 * text, JSON or hex; Stat; ACL) and create / edit / delete, each confirmed and sent with
 * the version last read so that a concurrent change comes back as BadVersion.
 */
export const APP_TREE_JS = String.raw`
const PAGE = 100;
W.node = null;
W.childrenShown = 0;

W.bytesOf = function (b64) {
  const raw = atob(b64 || '');
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
};
W.base64Of = function (text) {
  const bytes = new TextEncoder().encode(text);
  let raw = '';
  for (let i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
  return btoa(raw);
};
W.hexDump = function (bytes) {
  const lines = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.slice(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.'));
    lines.push(at.toString(16).padStart(8, '0') + '  ' + hex.padEnd(48) + ' ' + text.join(''));
  }
  return lines.join('\n');
};
W.render = function () {
  const node = W.node;
  if (!node) return;
  const bytes = W.bytesOf(node.data);
  const format = $('format').value;
  let shown = new TextDecoder().decode(bytes);
  if (node.data === null) shown = '(null)';
  else if (format === 'hex') shown = W.hexDump(bytes);
  else if (format === 'json') {
    try { shown = JSON.stringify(JSON.parse(shown), null, 2); }
    catch (e) { shown = '(not JSON: ' + e.message + ')\n' + shown; }
  }
  $('data').textContent = shown;
};

W.table = function (id, rows) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = String(cell);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
};
W.permText = function (perms) {
  return ['r', 'w', 'c', 'd', 'a'].filter((p, i) => perms & [1, 2, 4, 8, 16][i]).join('');
};

W.childPath = function (parent, name) { return (parent === '/' ? '' : parent) + '/' + name; };
W.parentOf = function (path) {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
};

W.addChildren = function (path, page) {
  const list = $('children');
  for (const name of page.children) {
    const li = document.createElement('li');
    li.textContent = name;
    li.dataset.path = W.childPath(path, name);
    li.addEventListener('click', () => W.openPath(li.dataset.path));
    list.appendChild(li);
  }
  W.childrenShown = page.offset + page.children.length;
  $('children-more').hidden = W.childrenShown >= page.total;
  $('children-count').textContent = W.childrenShown + ' of ' + page.total + ' children';
};

W.openPath = async function (path) {
  $('path-input').value = path;
  $('editor').hidden = true;
  try {
    const node = await W.api('GET', 'node', { path: path });
    const page = await W.api('GET', 'children', { path: path, offset: 0, limit: PAGE });
    W.node = node;
    $('node-path').textContent = path;
    const list = $('children');
    list.replaceChildren();
    if (path !== '/') {
      const up = document.createElement('li');
      up.className = 'up';
      up.textContent = '..';
      up.addEventListener('click', () => W.openPath(W.parentOf(path)));
      list.appendChild(up);
    }
    W.addChildren(path, page);
    W.render();
    W.table('stat', Object.entries(node.stat).map((e) => (e[0] === 'ctime' || e[0] === 'mtime'
      ? [e[0], e[1] + ' (' + new Date(e[1]).toISOString() + ')'] : e)));
    W.table('acl', (node.acl || []).map((a) => [a.id.scheme + ':' + a.id.id, W.permText(a.perms)]));
    $('message').hidden = true;
  } catch (error) { W.fail(error); }
};

$('children-more').addEventListener('click', async () => {
  const path = W.node.path;
  try {
    W.addChildren(path, await W.api('GET', 'children',
      { path: path, offset: W.childrenShown, limit: PAGE }));
  } catch (error) { W.fail(error); }
});
$('path-form').addEventListener('submit', (event) => {
  event.preventDefault();
  W.openPath($('path-input').value.trim() || '/');
});
$('format').addEventListener('change', W.render);
$('refresh').addEventListener('click', () => W.openPath(W.node ? W.node.path : '/'));

$('edit').addEventListener('click', () => {
  if (!W.node) return;
  $('edit-data').value = new TextDecoder().decode(W.bytesOf(W.node.data));
  $('editor').hidden = false;
});
$('edit-cancel').addEventListener('click', () => { $('editor').hidden = true; });
$('edit-save').addEventListener('click', async () => {
  const node = W.node;
  const version = node.stat.version;
  if (!(await W.confirm('Save new data to ' + node.path + ' (version ' + version + ')?'))) return;
  try {
    const body = { path: node.path, data: W.base64Of($('edit-data').value), version: version };
    const answer = await W.api('PUT', 'node', null, body);
    await W.openPath(node.path);
    W.say('Saved ' + node.path + ': now version ' + answer.stat.version + '.', false);
  } catch (error) {
    if (error.code === 'badVersion') {
      W.say('badVersion: ' + node.path + ' changed since you read version ' + version +
        '; nothing was saved. Reload to see the new data.', true);
    } else W.fail(error);
  }
});
$('delete').addEventListener('click', async () => {
  const node = W.node;
  if (!node || node.path === '/') return;
  const version = node.stat.version;
  if (!(await W.confirm('Delete ' + node.path + ' (version ' + version + ')?'))) return;
  try {
    await W.api('DELETE', 'node', null, { path: node.path, version: version });
    await W.openPath(W.parentOf(node.path));
    W.say('Deleted ' + node.path + '.', false);
  } catch (error) { W.fail(error); }
});
$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const parent = W.node ? W.node.path : '/';
  const path = W.childPath(parent, $('create-name').value.trim());
  if (!(await W.confirm('Create ' + path + '?'))) return;
  try {
    const data = W.base64Of($('create-data').value);
    const body = { path: path, data: data, acl: $('create-acl').value };
    const answer = await W.api('POST', 'node', null, body);
    $('create-name').value = '';
    $('create-data').value = '';
    await W.openPath(answer.path);
    W.say('Created ' + answer.path + '.', false);
  } catch (error) { W.fail(error); }
});
`;
