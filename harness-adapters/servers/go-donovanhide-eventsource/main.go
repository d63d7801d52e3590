// donovanhide/eventsource's Server, as its package documentation and
// examples show: NewServer with Gzip on (ExampleEvent), Handler(channel)
// for the stream, Publish for each event, and a SliceRepository registered
// for the channel so a reconnection with Last-Event-ID is replayed
// (ExampleRepository: repo.Add, then srv.Publish). The package's Event has
// Id, Event and Data only: a payload's retry has nowhere to go.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/donovanhide/eventsource"
)

type payload struct {
	Event *string `json:"event"`
	Data  *string `json:"data"`
	ID    *string `json:"id"`
	Retry *uint   `json:"retry"`
}

// published is the package's Event interface over one payload.
type published struct{ id, event, data string }

func (p published) Id() string    { return p.id }
func (p published) Event() string { return p.event }
func (p published) Data() string  { return p.data }

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func main() {
	srv := eventsource.NewServer()
	srv.Gzip = true
	repo := eventsource.NewSliceRepository()
	srv.Register("events", repo)

	mux := http.NewServeMux()
	mux.HandleFunc("/events", srv.Handler("events"))
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var p payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev := published{id: orEmpty(p.ID), event: orEmpty(p.Event), data: orEmpty(p.Data)}
		repo.Add("events", ev)
		srv.Publish([]string{"events"}, ev)
		w.WriteHeader(http.StatusNoContent)
	})

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", listener.Addr())
	os.Stdout.Sync()
	if err := http.Serve(listener, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
