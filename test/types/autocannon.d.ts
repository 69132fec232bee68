// The part of autocannon's API the HTTP tests and bench use (it ships no types).
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    [option: string]: unknown;
  }
  function autocannon(options: AutocannonOptions, done: (err: Error | null, result: never) => void): unknown;
  export default autocannon;
}
