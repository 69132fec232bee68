'use strict';
const { ringnetLengthTarget } = require('./shared/ringnet');

module.exports = ringnetLengthTarget({ name: 'ringnet-length-io_uring', backend: 'io_uring' });
