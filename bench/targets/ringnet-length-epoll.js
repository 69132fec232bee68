'use strict';
const { ringnetLengthTarget } = require('./shared/ringnet');

module.exports = ringnetLengthTarget({ name: 'ringnet-length-epoll', backend: 'epoll' });
