// ssecheck client adapter for donovanhide/eventsource's client, as its
// README and examples use it: Subscribe (SubscribeWithRequest for custom
// headers, a method and a body), then read stream.Events and stream.Errors.
//
// The library's notions map onto event lines as follows, and nothing is
// added: `open` when Subscribe returns a stream (its first response was
// accepted; it has no notion of open for later connections); `error` with
// readyState 0 for each error on stream.Errors (the library always tries
// again), 2 when Subscribe itself fails (it does not retry then); `event`
// for each Event, its type Event() or "message" when empty, its data Data()
// and its lastEventId Id(), the id the library gives the event.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/donovanhide/eventsource"
)

var out = struct {
	sync.Mutex
	*bufio.Writer
}{Writer: bufio.NewWriter(os.Stdout)}

// emit writes one event line (contracts.md section 1), flushed at once.
func emit(line map[string]interface{}) {
	bytes, err := json.Marshal(line)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot encode:", err)
		return
	}
	out.Lock()
	defer out.Unlock()
	out.Write(bytes)
	out.WriteByte('\n')
	out.Flush()
}

func main() {
	url := os.Getenv("SSE_URL")
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	method := "GET"
	if m := os.Getenv("SSE_METHOD"); m != "" {
		method = m
	}
	var body io.Reader
	if b, ok := os.LookupEnv("SSE_BODY"); ok {
		body = strings.NewReader(b)
	}
	request, err := http.NewRequest(method, url, body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "http.NewRequest:", err)
		os.Exit(1)
	}
	if h, ok := os.LookupEnv("SSE_HEADERS"); ok {
		headers := map[string]string{}
		if err := json.Unmarshal([]byte(h), &headers); err != nil {
			fmt.Fprintln(os.Stderr, "SSE_HEADERS:", err)
			os.Exit(1)
		}
		for name, value := range headers {
			request.Header.Set(name, value)
		}
	}
	// The harness's TLS runs set SSL_CERT_FILE, which Go's crypto/x509 reads.
	stream, err := eventsource.SubscribeWithRequest(os.Getenv("SSE_LAST_EVENT_ID"), request)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Subscribe:", err)
		emit(map[string]interface{}{"kind": "error", "readyState": 2})
		waitForStdin(nil)
		return
	}
	emit(map[string]interface{}{"kind": "open"})
	go waitForStdin(stream)
	for {
		select {
		case ev, ok := <-stream.Events:
			if !ok {
				select {}
			}
			kind := ev.Event()
			if kind == "" {
				kind = "message"
			}
			emit(map[string]interface{}{"kind": "event", "type": kind, "data": ev.Data(), "lastEventId": ev.Id()})
		case err, ok := <-stream.Errors:
			if !ok {
				select {}
			}
			fmt.Fprintln(os.Stderr, "stream error:", err)
			emit(map[string]interface{}{"kind": "error", "readyState": 0})
		}
	}
}

// waitForStdin calls Close on `close` and exits when the harness closes
// stdin (the case is over).
func waitForStdin(stream *eventsource.Stream) {
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		if bytes.Equal(bytes.TrimSpace(lines.Bytes()), []byte("close")) && stream != nil {
			stream.Close()
		}
	}
	os.Exit(0)
}
