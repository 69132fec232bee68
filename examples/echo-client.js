#!/usr/bin/env node
// Sends one length-prefixed frame to the demo echo server and prints the reply.
//   node examples/echo-client.js [host] [port] [message]
'use strict';

const net = require('node:net');

const [host = '127.0.0.1', port = '7000', message = 'hello ringnet'] = process.argv.slice(2);
const payload = Buffer.from(message);
const header = Buffer.alloc(4);
header.writeUInt32BE(payload.length);

const socket = net.connect(Number(port), host, () => socket.write(Buffer.concat([header, payload])));
let received = Buffer.alloc(0);
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  if (received.length >= 4 && received.length >= 4 + received.readUInt32BE(0)) {
    console.log(`echo: ${received.subarray(4, 4 + received.readUInt32BE(0)).toString()}`);
    socket.end();
  }
});
socket.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
