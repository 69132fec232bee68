'use strict';
const { ringnetTarget } = require('./shared/ringnet');

module.exports = ringnetTarget({ name: 'ringnet-io_uring', backend: 'io_uring', description: 'ringnet, io_uring backend (ringnet serve)' });
