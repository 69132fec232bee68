/**
 * Finds and loads the compiled addon: build/Release (built from source) or the
 * prebuilt binary for this platform in prebuilds/ (node-gyp-build's rules:
 * linux-x64 and linux-arm64, glibc). Without one, a user sees how to build it
 * from source instead of node-gyp-build's bare "No native build was found".
 */
import * as path from 'node:path';
import { AddonLoadError } from './errors';

/** What a user needs to build the addon when no prebuild fits. */
export const BUILD_FROM_SOURCE =
  'Build it from source: install a C++17 compiler, make, python3, the static OpenSSL and zlib, and liburing-dev ' +
  '(Debian/Ubuntu: apt-get install g++ make python3 libssl-dev zlib1g-dev liburing-dev; ' +
  'Alpine: apk add g++ make python3 linux-headers openssl-dev openssl-libs-static zlib-dev zlib-static liburing-dev; ' +
  'without liburing the addon builds epoll-only), then run `npm rebuild ringnet` in your project.';

function platformLabel(): string {
  const libc = process.env.LIBC ?? (isMusl() ? 'musl' : 'glibc');
  return `${process.platform}-${process.arch} (${libc}), Node ${process.version}`;
}

// node-gyp-build's own test for musl is whether /etc/alpine-release exists;
// glibc's runtime reports its version, musl's does not.
function isMusl(): boolean {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return process.platform === 'linux' && report?.header !== undefined && report.header.glibcVersionRuntime === undefined;
}

/** Loads the addon in `packageRoot` (or the build named by `overridePath`). */
export function loadAddon(packageRoot: string, overridePath?: string): unknown {
  if (overridePath) return require(path.resolve(overridePath));
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  let file: string;
  try {
    file = nodeGypBuild.resolve(packageRoot);
  } catch (err) {
    throw new AddonLoadError(
      'ERR_ADDON_NOT_FOUND',
      `ringnet: no native addon for ${platformLabel()}: the package carries prebuilt binaries for ` +
        `linux-x64 and linux-arm64 with glibc, and none was built from source. ${BUILD_FROM_SOURCE}`,
      err,
    );
  }
  try {
    return require(file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AddonLoadError(
      'ERR_ADDON_LOAD_FAILED',
      `ringnet: the native addon ${path.relative(packageRoot, file)} does not load on ${platformLabel()}: ${reason}. ` +
        `Prebuilt binaries need glibc >= 2.34 and libstdc++ from GCC >= 11. ${BUILD_FROM_SOURCE}`,
      err,
    );
  }
}
