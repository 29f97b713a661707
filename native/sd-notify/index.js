'use strict';
// notify(socketPath, message): sends `message` as one datagram to systemd's NOTIFY_SOCKET (see sd_notify.c).
module.exports = require('./build/Release/sd_notify.node');
