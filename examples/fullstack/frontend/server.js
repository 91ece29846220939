// The fullstack example's frontend: serves public/ and proxies /api/* to the backend.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

const PORT = parseInt(process.env.PORT || '3000', 10);
const BACKEND_URL = process.env.BACKEND_URL || 'http://127.0.0.1:5000';
const PUBLIC = path.join(__dirname, 'public');

function proxy(req, res) {
  const target = new URL(req.url, BACKEND_URL);
  const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'backend unreachable' }));
  });
  req.pipe(upstream);
}

function createServer() {
  return http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    } else if (req.url.startsWith('/api/')) {
      proxy(req, res);
    } else {
      const file = path.join(PUBLIC, req.url === '/' ? 'index.html' : path.normalize(req.url));
      if (!file.startsWith(PUBLIC)) {
        res.writeHead(403);
        res.end();
        return;
      }
      fs.readFile(file, (err, body) => {
        if (err) {
          res.writeHead(404);
          res.end('not found');
        } else {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(body);
        }
      });
    }
  });
}

if (require.main === module) {
  createServer().listen(PORT, () => console.log(`frontend on :${PORT}, backend at ${BACKEND_URL}`));
}

module.exports = { createServer };
