/*
 * bench_cpu.h — the CPU time of the process, for the one-thread benchmark
 * programs built both natively and to wasm (native_image.c, native_array.c).
 * Include it after <time.h> and, under Emscripten, <emscripten.h>.
 */
#ifndef PW_BENCH_CPU_H
#define PW_BENCH_CPU_H

#ifdef __EMSCRIPTEN__
/* the Node process's CPU time (user + system), in ms */
EM_JS(double, cpu_ms, (void), {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
});
#else
/* the process's CPU time, in ms */
static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}
#endif

#endif /* PW_BENCH_CPU_H */
