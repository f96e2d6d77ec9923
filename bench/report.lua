-- wrk's done() hook for every bench script: one line of JSON that bench/wrk.py reads back.
function done(summary, latency, requests)
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
      summary.requests, summary.duration, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      latency:percentile(50), latency:percentile(99)))
end
