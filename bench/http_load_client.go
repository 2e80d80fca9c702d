// http_load_client.go: the load generator of bench/http_load.py, in Go so
// that 50 clients cost little CPU (on a small machine the load generator
// competes with the target for the CPU; Python threads would measure
// themselves).  Each client loops: GET /metrics, pause, and every 5th
// request (-heap-every) GET /debug/pprof/heap instead.  Prints one JSON object: answers
// per endpoint, failures, latency percentiles, and the seconds of the run in
// which no request was answered.
//
//	go run http_load_client.go -url http://127.0.0.1:PORT -clients 50 -seconds 60 -pause 100ms
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

type result struct {
	MetricsOK          int      `json:"metrics_ok"`
	HeapOK             int      `json:"heap_ok"`
	Failed             int      `json:"failed"`
	Failures           []string `json:"failures"`
	SecondsWithoutAnswer int    `json:"seconds_without_answer"`
	MetricsP50ms       float64  `json:"metrics_p50_ms"`
	MetricsP99ms       float64  `json:"metrics_p99_ms"`
	HeapP50ms          float64  `json:"heap_p50_ms"`
	HeapP99ms          float64  `json:"heap_p99_ms"`
}

func percentile(v []time.Duration, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	i := int(q * float64(len(v)))
	if i >= len(v) {
		i = len(v) - 1
	}
	return float64(v[i].Microseconds()) / 1000
}

func main() {
	url := flag.String("url", "", "base URL of the leakscope server")
	clients := flag.Int("clients", 50, "concurrent clients")
	seconds := flag.Int("seconds", 60, "how long to run")
	pause := flag.Duration("pause", 100*time.Millisecond, "pause between a client's requests")
	heapEvery := flag.Int("heap-every", 5, "every Nth request fetches /debug/pprof/heap (0: never)")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "http_load_client: -url is required")
		os.Exit(2)
	}
	var mu sync.Mutex
	var res result
	var metricsLat, heapLat []time.Duration
	answered := map[int64]bool{}
	begin := time.Now()
	end := begin.Add(time.Duration(*seconds) * time.Second)
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second,
				Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
			for ; time.Now().Before(end); i++ {
				heap := *heapEvery > 0 && i%*heapEvery == *heapEvery-1
				path := "/metrics"
				if heap {
					path = "/debug/pprof/heap"
				}
				t0 := time.Now()
				resp, err := client.Get(*url + path)
				status := 0
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				t1 := time.Now()
				mu.Lock()
				switch {
				case err == nil && status == 200 && heap:
					res.HeapOK++
					heapLat = append(heapLat, t1.Sub(t0))
					answered[t1.Unix()] = true
				case err == nil && status == 200:
					res.MetricsOK++
					metricsLat = append(metricsLat, t1.Sub(t0))
					answered[t1.Unix()] = true
				default:
					res.Failed++
					if len(res.Failures) < 10 {
						res.Failures = append(res.Failures, fmt.Sprintf("%s: status %d err %v", path, status, err))
					}
				}
				mu.Unlock()
				time.Sleep(*pause)
			}
		}(c)
	}
	wg.Wait()
	for s := begin.Unix() + 1; s < end.Unix(); s++ {
		if !answered[s] {
			res.SecondsWithoutAnswer++
		}
	}
	res.MetricsP50ms = percentile(metricsLat, 0.5)
	res.MetricsP99ms = percentile(metricsLat, 0.99)
	res.HeapP50ms = percentile(heapLat, 0.5)
	res.HeapP99ms = percentile(heapLat, 0.99)
	if res.Failures == nil {
		res.Failures = []string{}
	}
	json.NewEncoder(os.Stdout).Encode(res)
}
