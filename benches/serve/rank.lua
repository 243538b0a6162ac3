-- wrk script: POST /v1/rank with one person and a bearer token from the environment (GM_TOKEN);
-- prints p50/p99 latency at the end. wrk itself prints "Non-2xx or 3xx responses: N" when any
-- answer was not a success (and socket errors). Run by benches/serve/load.sh.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("GM_TOKEN")
wrk.body = [[{"person": {"id": "load-1", "stage": "first_year", "approach_preference": "no_preference",
  "format_preference": "either", "availability": ["Mon 11:00-21:00", "Tue 11:00-21:00",
  "Wed 11:00-21:00", "Thu 11:00-21:00", "Fri 11:00-21:00"], "timezone": "America/New_York",
  "latitude": 39.9526, "longitude": -75.1652, "max_travel_km": 10},
  "top": 10, "now": "2026-11-26T12:00:00Z"}]]

done = function(summary, latency, requests)
  io.write(string.format("requests %d (socket errors: connect %d read %d write %d timeout %d)\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
