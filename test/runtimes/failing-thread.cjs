// Stands in for the pthread worker script in checks.cjs's "no-threads" mode:
// a thread that fails while starting.
throw new Error('this thread refuses to start (a test of the fallback pool)');
