'use strict';
const { ringnetTarget } = require('./shared/ringnet');

module.exports = ringnetTarget({ name: 'ringnet-epoll', backend: 'epoll', description: 'ringnet, epoll backend (ringnet serve)' });
