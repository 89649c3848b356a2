/** The dashboard's stylesheet: plain CSS, no framework. */
export const STYLE_CSS = `
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f4f6f9; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #1f3a5f;
  color: #fff; }
header h1 { margin: 0; font-size: 18px; }
header nav button { background: transparent; color: #cfe0f5; border: 0; padding: 6px 10px;
  cursor: pointer; font-size: 14px; }
header nav button.active { color: #fff; border-bottom: 2px solid #7fc4ff; }
#identity { margin-left: auto; font-size: 12px; color: #cfe0f5; }
button { padding: 4px 10px; cursor: pointer; }
button.danger { background: #b3261e; color: #fff; border: 1px solid #8c1d17; }
#message { margin: 8px 16px; padding: 8px 12px; border-radius: 4px; background: #e3f1e3; }
#message.error { background: #fbe3e1; color: #8c1d17; border: 1px solid #e0a39e; }
#login { display: flex; justify-content: center; padding-top: 48px; }
#login form { background: #fff; padding: 24px; border-radius: 6px; width: 360px;
  box-shadow: 0 1px 4px rgba(0,0,0,.15); display: flex; flex-direction: column; gap: 10px; }
#login label { display: flex; flex-direction: column; gap: 2px; }
main { padding: 12px 16px; }
#tab-tree { display: flex; gap: 16px; }
#tab-tree[hidden] { display: none; }
.tree-list { width: 280px; background: #fff; padding: 8px; border-radius: 6px; }
#path-input { width: 100%; }
#children { list-style: none; margin: 8px 0; padding: 0; max-height: 60vh; overflow: auto; }
#children li { padding: 3px 6px; cursor: pointer; border-radius: 3px; }
#children li:hover { background: #e6eef8; }
#children li.up { color: #5a6b82; }
.node-view { flex: 1; background: #fff; padding: 8px 16px; border-radius: 6px; }
.node-view h2 { margin: 4px 0 8px; font-family: monospace; font-size: 16px; }
.toolbar { display: flex; gap: 8px; align-items: center; }
#data { background: #0f1726; color: #d6e2f0; padding: 10px; min-height: 60px; max-height: 40vh;
  overflow: auto; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
#edit-data, #create-data { width: 100%; font-family: monospace; }
.facts { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
table { border-collapse: collapse; background: #fff; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
td, th { border: 1px solid #d4dbe5; padding: 3px 8px; text-align: left; font-size: 13px; }
td.num { font-family: monospace; }
.health { padding: 2px 8px; border-radius: 10px; color: #fff; font-weight: 600; }
.health.ok { background: #2e7d32; }
.health.lagging { background: #ef8f00; }
.health.down { background: #b3261e; }
.chart { background: #fff; padding: 8px 12px; margin-bottom: 12px; border-radius: 6px;
  display: inline-block; margin-right: 12px; }
.chart h3 { margin: 0 0 4px; font-size: 14px; }
.modal { position: fixed; inset: 0; background: rgba(0,0,0,.4); display: flex;
  align-items: center; justify-content: center; }
.modal[hidden] { display: none; }
.dialog { background: #fff; padding: 20px; border-radius: 6px; max-width: 480px; }
`;
