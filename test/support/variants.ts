/**
 * The server shapes every behavioural suite runs against: each backend that
 * works on this machine, with worker 0 on the JS thread and with threaded
 * workers only. Suites use describe.each(VARIANTS), never copies.
 */
import { native } from '../../src/native';
import type { ServerOptions } from '../../src/options';

export interface Variant {
  name: string;
  options: Pick<ServerOptions, 'backend' | 'workers' | 'inlineWorker'>;
}

const backends: Array<'epoll' | 'io_uring'> = ['epoll'];
if (native.backendAvailable(1) === true) backends.push('io_uring');

export const VARIANTS: Variant[] = backends.flatMap((backend) => [
  { name: `${backend}/inline`, options: { backend, workers: 1, inlineWorker: true } },
  { name: `${backend}/threads`, options: { backend, workers: 2, inlineWorker: false } },
]);
