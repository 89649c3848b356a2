/**
 * The page's script: live charts. The server's stats are polled every second while logged in
 * (the last two minutes kept); throughput is the change in requests received per second.
 * Drawn on <canvas> by hand.
 */
export const APP_CHARTS_JS = String.raw`
W.samples = [];
const KEEP = 120;

W.poll = async function () {
  try {
    const sample = await W.api('GET', 'stats');
    W.samples.push(sample);
    if (W.samples.length > KEEP + 1) W.samples.shift();
    if (W.tab === 'charts') W.drawCharts();
  } catch (error) { /* the next poll retries; a logout stops polling */ }
};
W.startPolling = function () {
  W.stopPolling();
  W.poll();
  W.timers.push(setInterval(W.poll, 1000));
  W.timers.push(setInterval(() => { if (W.tab === 'cluster') W.loadCluster(); }, 3000));
};
W.stopPolling = function () {
  for (const timer of W.timers) clearInterval(timer);
  W.timers = [];
};

W.series = function () {
  const s = W.samples;
  const throughput = [];
  const latency = [];
  for (let i = 1; i < s.length; i++) {
    const seconds = Math.max((s[i].time - s[i - 1].time) / 1000, 0.001);
    throughput.push(Math.max(s[i].packetsReceived - s[i - 1].packetsReceived, 0) / seconds);
    // The mean of this second's requests; a stats reset (srst) makes the difference negative.
    const count = s[i].latencyCount - s[i - 1].latencyCount;
    const total = s[i].latencyTotalMs - s[i - 1].latencyTotalMs;
    latency.push(count > 0 && total >= 0 ? total / count : 0);
  }
  return {
    throughput: throughput,
    latency: latency,
    memory: s.slice(1).map((x) => x.heapUsedBytes / 1048576),
  };
};

W.drawChart = function (canvas, values, color) {
  const g = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = 28;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, w, h);
  const top = Math.max(1, Math.max.apply(null, values.concat([0])) * 1.2);
  g.strokeStyle = '#d4dbe5';
  g.fillStyle = '#5a6b82';
  g.font = '11px sans-serif';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad / 2 + (h - pad) * i / 4;
    g.beginPath(); g.moveTo(pad + 20, y); g.lineTo(w - 4, y); g.stroke();
    g.fillText((top * (4 - i) / 4).toFixed(top < 10 ? 1 : 0), 2, y + 4);
  }
  if (values.length === 0) return;
  const x = (i) => pad + 20 + (w - pad - 24) * i / (KEEP - 1);
  const y = (v) => pad / 2 + (h - pad) * (1 - v / top);
  g.beginPath();
  g.moveTo(x(0), y(values[0]));
  for (let i = 1; i < values.length; i++) g.lineTo(x(i), y(values[i]));
  g.strokeStyle = color;
  g.lineWidth = 2;
  g.stroke();
  g.lineTo(x(values.length - 1), h - pad / 2);
  g.lineTo(x(0), h - pad / 2);
  g.closePath();
  g.globalAlpha = 0.15;
  g.fillStyle = color;
  g.fill();
  g.globalAlpha = 1;
  g.fillStyle = '#1d2330';
  g.fillText('now ' + values[values.length - 1].toFixed(1), w - 80, 12);
};

W.drawCharts = function () {
  const s = W.series();
  W.drawChart($('chart-throughput'), s.throughput, '#1f77b4');
  W.drawChart($('chart-latency'), s.latency, '#d62728');
  W.drawChart($('chart-memory'), s.memory, '#2ca02c');
};

W.api('GET', 'session').then(W.loggedIn, () => W.loggedOut());
`;
