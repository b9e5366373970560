-- wrk script for wsgi_tail.sh: prints the 50th, 99th and 99.9th latency percentiles in microseconds after the run.
done = function(summary, latency, requests)
  for _, p in ipairs({50, 99, 99.9}) do
    io.write(string.format("percentile %g: %d us\n", p, latency:percentile(p)))
  end
end
