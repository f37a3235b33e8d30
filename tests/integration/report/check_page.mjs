// Opens an HTML file in headless Chromium at each width given and reports, as one JSON line on
// stdout: per width, the SVG charts' geometry, the page's horizontal overflow, every request
// other than the page itself, every console message and exception; and saves a full-page
// screenshot per width. Node built-ins only (node >= 18): the DevTools protocol over the remote
// debugging port's WebSocket, with the few lines of a WebSocket client below.
//
// usage: node check_page.mjs <chromium> <page.html> <screenshot-prefix> <width>...
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';

// A minimal WebSocket client (RFC 6455): text frames out (masked), text frames in (fragments
// joined). Enough for the DevTools protocol on loopback.
function connect(url, onText) {
  return new Promise((ok, fail) => {
    const req = request(url.replace(/^ws:/, 'http:'), { headers: {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64') } });
    req.on('error', fail);
    req.on('upgrade', (_res, socket) => {
      let buf = Buffer.alloc(0);
      let parts = [];
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1] & 0x7f, off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (buf.length < off + len) return;
          const fin = buf[0] & 0x80, op = buf[0] & 0x0f;
          if (op === 1 || op === 0) parts.push(buf.subarray(off, off + len));
          buf = buf.subarray(off + len);
          if (fin && (op === 1 || op === 0)) { onText(Buffer.concat(parts).toString('utf8')); parts = []; }
        }
      });
      ok({
        send(text) {
          const data = Buffer.from(text, 'utf8');
          const mask = randomBytes(4);
          let head;
          if (data.length < 126) head = Buffer.from([0x81, 0x80 | data.length]);
          else if (data.length < 65536) { head = Buffer.alloc(4); head[0] = 0x81; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2); }
          else { head = Buffer.alloc(10); head[0] = 0x81; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(data.length), 2); }
          const body = Buffer.alloc(data.length);
          for (let i = 0; i < data.length; i++) body[i] = data[i] ^ mask[i % 4];
          socket.write(Buffer.concat([head, mask, body]));
        },
        close() { socket.destroy(); },
      });
    });
    req.end();
  });
}

const [chromium, page, prefix, ...widths] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'devmetrics-chromium-'));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
browser.stderr.on('data', (d) => { stderr += d; });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (why) => { console.log(JSON.stringify({ error: why, stderr: stderr.slice(-2000) })); cleanup(1); };
function cleanup(code) {
  browser.kill('SIGKILL');
  try { rmSync(profile, { recursive: true, force: true }); } catch {}
  process.exit(code);
}
setTimeout(() => fail('timed out after 60 s'), 60000).unref();

// Chromium writes the port it chose into the profile.
let port;
for (let i = 0; i < 200 && !port; i++) {
  const file = join(profile, 'DevToolsActivePort');
  if (existsSync(file)) port = readFileSync(file, 'utf8').split('\n')[0];
  else await sleep(100);
}
if (!port) fail('Chromium did not open a remote debugging port');
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const target = targets.find((t) => t.type === 'page');
let next = 0;
const pending = new Map();
const events = [];
const ws = await connect(target.webSocketDebuggerUrl, (text) => {
  const msg = JSON.parse(text);
  if (msg.id && pending.has(msg.id)) {
    const { resolve: ok, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    msg.error ? reject(new Error(JSON.stringify(msg.error))) : ok(msg.result);
  } else if (msg.method) events.push(msg);
});
const send = (method, params = {}) => new Promise((ok, reject) => {
  const id = ++next;
  pending.set(id, { resolve: ok, reject });
  ws.send(JSON.stringify({ id, method, params }));
});

const url = pathToFileURL(resolve(page)).href;
await send('Network.enable');
await send('Runtime.enable');
await send('Log.enable');
await send('Page.enable');
const results = [];
for (const w of widths.map(Number)) {
  events.length = 0;
  await send('Emulation.setDeviceMetricsOverride', { width: w, height: 900, deviceScaleFactor: 1, mobile: w < 500 });
  await send('Page.navigate', { url });
  for (let i = 0; i < 100 && !events.some((e) => e.method === 'Page.loadEventFired'); i++) await sleep(50);
  await sleep(200);
  const { result } = await send('Runtime.evaluate', {
    returnByValue: true,
    expression: `(() => {
      const svgs = [...document.querySelectorAll('svg')].map((s) => {
        const r = s.getBoundingClientRect();
        const drawn = [...s.querySelectorAll('rect')].filter((x) => { const b = x.getBBox(); return b.width > 0 && b.height > 0; });
        return { width: r.width, height: r.height, rects: s.querySelectorAll('rect').length, drawn: drawn.length,
                 title: s.querySelector('title')?.textContent ?? '', desc: s.querySelector('desc')?.textContent ?? '' };
      });
      return { svgs, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
               height: document.documentElement.scrollHeight, title: document.title };
    })()`,
  });
  const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: w, height: Math.min(result.value.height, 12000), scale: 1 } });
  const file = `${prefix}-${w}.png`;
  writeFileSync(file, Buffer.from(shot.data, 'base64'));
  const requests = events.filter((e) => e.method === 'Network.requestWillBeSent')
    .map((e) => e.params.request.url).filter((u) => u !== url);
  const console_ = events.filter((e) => e.method === 'Runtime.consoleAPICalled')
    .map((e) => `${e.params.type}: ${e.params.args.map((a) => a.value ?? a.description).join(' ')}`);
  const logs = events.filter((e) => e.method === 'Log.entryAdded')
    .map((e) => `${e.params.entry.level}: ${e.params.entry.text}`);
  const exceptions = events.filter((e) => e.method === 'Runtime.exceptionThrown')
    .map((e) => e.params.exceptionDetails.text);
  results.push({ width: w, screenshot: file, ...result.value, requests, console: console_, logs, exceptions });
}
console.log(JSON.stringify({ results }));
ws.close();
cleanup(0);
