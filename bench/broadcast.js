'use strict';
// `npm run bench:broadcast`: the lab's broadcast preset: 20 pushes of one 64-byte goim packet
// to 10,000 connections on ringnet-epoll, ringnet-io_uring and node:net; time until every
// connection has it and server CPU per delivered message. Same as `ringnet bench --preset
// broadcast [flags]`; e.g. --quick (2,000 connections), --connections 5000, --pushes 50,
// --targets 'ringnet-epoll:{"workers":2,"inlineWorker":false},node:net'.
require('./lib/preset-cli').runPreset('broadcast', __filename);
