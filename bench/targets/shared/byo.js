'use strict';
// A brought-along target: `--target 'bun=bun my-server.js {port}'`. The lab picks a free port,
// runs the command through /bin/sh in its own process group (with {port} replaced), waits until
// the port accepts connections, and measures the whole process tree like any other target.
// It serves the workloads a server on a bare port can serve (not broadcast, whose pushes need
// the lab's control lines), or those named with `name@http,goim=...`.
const { freePort } = require('../../lib/spawn');
const { labCerts, isTlsCell } = require('../../workloads/shared/tls-certs');

/** The target object for a spec { name, byo: { command, workloads? } } of a plan. */
function byoTarget(spec, portWorkloads) {
  const wanted = spec.byo.workloads;
  return {
    name: spec.name,
    description: `brought along: ${spec.byo.command}`,
    workloads: wanted || portWorkloads,
    stats: false,
    byo: true,
    available: () => true,
    async server(cell) {
      const port = await freePort();
      let shell = spec.byo.command.replace(/\{port\}/g, String(port));
      // TLS cells: {key} and {cert} are the lab's certificate files.
      if (isTlsCell(cell)) shell = shell.replace(/\{key\}/g, labCerts().key).replace(/\{cert\}/g, labCerts().cert);
      return { shell, port };
    },
  };
}

module.exports = { byoTarget };
