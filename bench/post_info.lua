-- wrk script: POST /info as a form, and one parsable summary line. No response() callback:
-- defining one makes wrk parse every answer, CPU the ceiling run does not pay. The API sends no
-- 3xx, so its 2xx answers are the requests minus wrk's status errors (status > 399).
wrk.method = "POST"
wrk.body = "desc=hoge"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    summary.requests - e.status, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
