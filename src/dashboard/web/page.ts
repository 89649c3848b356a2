/** The dashboard's one page; app.js fills it in. No inline script or style (the CSP forbids). */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warren dashboard</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
  <h1>Warren</h1>
  <nav id="tabs" hidden>
    <button data-tab="tree" class="active">Tree</button>
    <button data-tab="cluster">Cluster</button>
    <button data-tab="sessions">Sessions &amp; watches</button>
    <button data-tab="charts">Charts</button>
  </nav>
  <span id="identity"></span>
  <button id="logout" hidden>Log out</button>
</header>
<div id="message" role="status" hidden></div>
<section id="login">
  <form id="login-form">
    <h2>Log in</h2>
    <p>The same identities as the client port: every operation runs with yours, and ACLs apply.</p>
    <label>Scheme
      <select name="scheme" id="login-scheme">
        <option value="digest">digest (user:password)</option>
        <option value="sasl">SASL DIGEST-MD5</option>
        <option value="world">none (world)</option>
      </select>
    </label>
    <label>User <input name="user" id="login-user" autocomplete="username"></label>
    <label>Password
      <input name="password" id="login-password" type="password" autocomplete="current-password">
    </label>
    <button type="submit" id="login-submit">Log in</button>
  </form>
</section>
<main id="main" hidden>
  <section id="tab-tree" class="tab">
    <div class="tree-list">
      <form id="path-form"><input id="path-input" value="/" aria-label="path"></form>
      <ul id="children"></ul>
      <button id="children-more" hidden>More…</button>
      <p id="children-count"></p>
    </div>
    <div class="node-view">
      <h2 id="node-path">/</h2>
      <div class="toolbar">
        <label>View as
          <select id="format">
            <option value="text">text</option>
            <option value="json">JSON</option>
            <option value="hex">hex</option>
          </select>
        </label>
        <button id="edit">Edit</button>
        <button id="delete" class="danger">Delete</button>
        <button id="refresh">Reload</button>
      </div>
      <pre id="data"></pre>
      <div id="editor" hidden>
        <textarea id="edit-data" rows="8"></textarea>
        <button id="edit-save">Save</button>
        <button id="edit-cancel">Cancel</button>
      </div>
      <div class="facts">
        <table id="stat"><caption>Stat</caption><tbody></tbody></table>
        <table id="acl"><caption>ACL</caption><tbody></tbody></table>
      </div>
      <form id="create-form">
        <h3>Create a child</h3>
        <input id="create-name" placeholder="name" aria-label="name">
        <select id="create-acl" aria-label="ACL">
          <option value="open">open (world:anyone, all)</option>
          <option value="creator">creator only (auth)</option>
          <option value="read">read-only (world:anyone, read)</option>
        </select>
        <textarea id="create-data" rows="3" placeholder="data (text)"></textarea>
        <button type="submit" id="create-submit">Create</button>
      </form>
    </div>
  </section>
  <section id="tab-cluster" class="tab" hidden>
    <h2>Cluster</h2>
    <p id="cluster-summary"></p>
    <table id="cluster-table">
      <thead><tr><th>id</th><th>role</th><th>mode</th><th>zxid</th><th>lag</th>
        <th>peer link</th><th>client address</th><th>health</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="tab-sessions" class="tab" hidden>
    <h2>Sessions</h2>
    <table id="sessions-table">
      <thead><tr><th>session</th><th>client</th><th>timeout</th><th>last op</th>
        <th>received</th><th>sent</th><th>avg latency</th></tr></thead>
      <tbody></tbody>
    </table>
    <h2>Watches by path</h2>
    <table id="watches-table">
      <thead><tr><th>path</th><th>sessions</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="tab-charts" class="tab" hidden>
    <div class="chart"><h3>Throughput (requests/s)</h3>
      <canvas id="chart-throughput" width="600" height="160"></canvas></div>
    <div class="chart"><h3>Latency (mean ms, each second)</h3>
      <canvas id="chart-latency" width="600" height="160"></canvas></div>
    <div class="chart"><h3>Memory (heap MiB)</h3>
      <canvas id="chart-memory" width="600" height="160"></canvas></div>
  </section>
</main>
<div id="confirm" class="modal" hidden>
  <div class="dialog">
    <p id="confirm-text"></p>
    <button id="confirm-ok" class="danger">Confirm</button>
    <button id="confirm-cancel">Cancel</button>
  </div>
</div>
<script src="app.js"></script>
</body>
</html>
`;
