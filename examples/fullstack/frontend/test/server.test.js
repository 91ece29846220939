'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const { createServer } = require('../server');

function get(port, path) {
  return fetch(`http://127.0.0.1:${port}${path}`);
}

test('health answers ok', async () => {
  const server = createServer().listen(0);
  const { port } = server.address();
  try {
    const res = await get(port, '/health');
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), { status: 'ok' });
  } finally {
    server.close();
  }
});

test('serves the index page', async () => {
  const server = createServer().listen(0);
  const { port } = server.address();
  try {
    const res = await get(port, '/');
    assert.strictEqual(res.status, 200);
    assert.match(await res.text(), /fullstack/);
  } finally {
    server.close();
  }
});
